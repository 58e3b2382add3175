using Introserv.ServiceDefaults;
using Introserv.Verification.DevGateway;

var builder = WebApplication.CreateBuilder(args);

// It shows verification codes to whoever opens it: a development tool only, never in Production, Staging or any
// other environment a deployment might name.
if (!builder.Environment.IsDevelopment())
{
    throw new InvalidOperationException(
        $"The development telephony gateway runs only in Development, not in {builder.Environment.EnvironmentName}.");
}

builder.AddServiceDefaults();
builder.Services.AddDevGateway();

var app = builder.Build();
app.UseIntroservProblemDetails();
app.MapDefaultEndpoints();
app.MapDevGateway();
app.Run();
