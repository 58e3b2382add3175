using Introserv.Orders.DevPayments;
using Introserv.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

// It approves payments for whoever clicks: a development tool only, never in Production, Staging or any other
// environment a deployment might name.
if (!builder.Environment.IsDevelopment())
{
    throw new InvalidOperationException(
        $"The development payment provider runs only in Development, not in {builder.Environment.EnvironmentName}.");
}

builder.AddServiceDefaults();
builder.Services.AddDevPayments();

var app = builder.Build();
app.UseIntroservProblemDetails();
app.MapDefaultEndpoints();
app.MapDevPayments();
app.Run();
