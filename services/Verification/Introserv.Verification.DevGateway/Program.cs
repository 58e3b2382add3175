using Introserv.ServiceDefaults;
using Introserv.Verification.DevGateway;

var builder = WebApplication.CreateBuilder(args);

// It shows verification codes to whoever opens it: a development tool only, never in Production, Staging or any
// other environment a deployment might name.
builder.RequireDevelopment("The development telephony gateway");

builder.AddServiceDefaults();
builder.Services.AddDevGateway();

var app = builder.Build();
app.UseIntroservProblemDetails();
app.MapDefaultEndpoints();
app.MapDevGateway();
app.Run();
