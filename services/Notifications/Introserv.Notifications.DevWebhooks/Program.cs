using Introserv.Notifications.DevWebhooks;
using Introserv.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

// It shows every delivery it received (payloads included) to whoever opens it: a development tool only.
builder.RequireDevelopment("The development webhook receiver");

builder.AddServiceDefaults();
builder.Services.AddSingleton<Receivers>();
builder.Services.AddSingleton(TimeProvider.System);

var app = builder.Build();
app.UseIntroservProblemDetails();
app.MapDefaultEndpoints();
app.MapWebhookReceiver();
app.Run();
