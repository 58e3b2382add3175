using Introserv.Panel.Host;
using Introserv.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.Services.AddOptions<PanelSettings>()
    .BindConfiguration(PanelSettings.SectionName)
    .ValidateDataAnnotations()
    .ValidateOnStart();

var app = builder.Build();
app.UseIntroservProblemDetails();
app.MapDefaultEndpoints();
app.UsePanelHeaders();
app.MapPanelSettings();
app.MapStaticAssets();
// Every other path is a page of the app (/orders, /profile, /callback): the app's router takes it from there.
app.MapFallbackToFile("index.html");
app.Run();
