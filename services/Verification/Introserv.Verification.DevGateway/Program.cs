using Introserv.ServiceDefaults;
using Introserv.Verification.DevGateway;

var builder = WebApplication.CreateBuilder(args);

// It shows verification codes to whoever opens it: a development tool only.
if (builder.Environment.IsProduction())
{
    throw new InvalidOperationException("The development telephony gateway never runs in Production.");
}

builder.AddServiceDefaults();
builder.Services.AddDevGateway();

var app = builder.Build();
app.UseIntroservProblemDetails();
app.MapDefaultEndpoints();
app.MapDevGateway();
app.Run();
