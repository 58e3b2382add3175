using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.Notifications;
using Introserv.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddNotificationsServices();

var app = builder.Build();
app.UseServiceHost();
app.MapServiceHostEndpoints();
app.MapNotificationsServiceEndpoints();
return await app.RunOrMigrateAsync(args);

// The entry point type the integration tests host in-process (WebApplicationFactory<Program>).
public partial class Program;
