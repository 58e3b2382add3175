using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.ServiceDefaults;
using Introserv.Verification;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddVerificationServices();

var app = builder.Build();
app.UseServiceHost();
app.MapServiceHostEndpoints();
app.MapVerificationEndpoints();
return await app.RunOrMigrateAsync(args);

// The entry point type the integration tests host in-process (WebApplicationFactory<Program>).
public partial class Program;
