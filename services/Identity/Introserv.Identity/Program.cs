using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.Identity;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddIdentityServices();

var app = builder.Build();
app.UseServiceHost();
app.MapServiceHostEndpoints();
app.MapIdentityEndpoints();
return await app.RunOrMigrateAsync(args);

// The entry point type the integration tests host in-process (WebApplicationFactory<Program>).
public partial class Program;
