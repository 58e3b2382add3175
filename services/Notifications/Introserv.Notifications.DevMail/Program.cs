using System.Globalization;
using Introserv.Notifications.DevMail;
using Introserv.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

// It shows every mail (links with tokens included) to whoever opens it: a development tool only, never in
// Production, Staging or any other environment a deployment might name.
builder.RequireDevelopment("The development mail catcher");

builder.AddServiceDefaults();
builder.Services.AddMailCatcher(
    int.Parse(builder.Configuration[DevMailEndpoints.SmtpPortKey] ?? "2525", CultureInfo.InvariantCulture));

var app = builder.Build();
app.UseIntroservProblemDetails();
app.MapDefaultEndpoints();
app.MapMailCatcher();
app.Run();
