using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.Orders;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddOrdersServices();

var app = builder.Build();
app.UseServiceHost();
app.MapServiceHostEndpoints();
app.MapOrdersServiceEndpoints();
return await app.RunOrMigrateAsync(args);

// The entry point type the integration tests host in-process (WebApplicationFactory<Program>).
public partial class Program;
