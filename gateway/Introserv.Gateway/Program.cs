using Introserv.Gateway;
using Introserv.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddGatewayServices();

var app = builder.Build();
app.UseIntroservProblemDetails();
app.MapDefaultEndpoints();
app.MapReverseProxy();
app.MapFallback(GatewayProblems.RouteNotFound);
app.Run();
