using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.Profile;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddProfileServices();

var app = builder.Build();
app.UseServiceHost();
app.MapServiceHostEndpoints();
app.MapProfileServiceEndpoints();
return await app.RunOrMigrateAsync(args);

// The entry point type the integration tests host in-process (WebApplicationFactory<Program>).
public partial class Program;
