using Introserv.Orders.DevPayments;
using Introserv.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

// It approves payments for whoever clicks: a development tool only.
if (builder.Environment.IsProduction())
{
    throw new InvalidOperationException("The development payment provider never runs in Production.");
}

builder.AddServiceDefaults();
builder.Services.AddDevPayments();

var app = builder.Build();
app.UseIntroservProblemDetails();
app.MapDefaultEndpoints();
app.MapDevPayments();
app.Run();
