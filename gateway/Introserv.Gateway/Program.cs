using Introserv.Gateway;
using Introserv.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddGatewayServices();

var app = builder.Build();
app.UseGateway();
app.Run();

// The entry point type the integration tests host in-process (WebApplicationFactory<Program>).
public partial class Program;
