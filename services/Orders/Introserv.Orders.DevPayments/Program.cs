using Introserv.Orders.DevPayments;
using Introserv.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);

// It approves payments for whoever clicks: a development tool only, never in Production, Staging or any other
// environment a deployment might name.
builder.RequireDevelopment("The development payment provider");

builder.AddServiceDefaults();
builder.Services.AddDevPayments();

var app = builder.Build();
app.UseIntroservProblemDetails();
app.MapDefaultEndpoints();
app.MapDevPayments();
app.Run();
