using System.Net.Http.Json;
using Introserv.Panel;
using Introserv.Panel.Api;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.AspNetCore.Components.WebAssembly.Hosting;

var builder = WebAssemblyHostBuilder.CreateDefault(args);
builder.RootComponents.Add<App>("#app");
builder.RootComponents.Add<HeadOutlet>("head::after");

// Which gateway, as which client: from the host that served the app (one build for every installation).
var baseAddress = new Uri(builder.HostEnvironment.BaseAddress);
PanelSettings settings;
using (var bootstrap = new HttpClient { BaseAddress = baseAddress })
{
    settings = await bootstrap.GetFromJsonAsync<PanelSettings>("panel-settings.json")
        ?? throw new InvalidOperationException("panel-settings.json is empty.");
}

builder.Services.AddSingleton(settings);
builder.Services.AddOidcAuthentication(options =>
{
    // Authorization code with PKCE against the gateway (the token issuer); refresh tokens (offline_access) renew
    // the session without a visible redirect.
    options.ProviderOptions.Authority = settings.GatewayUrl;
    options.ProviderOptions.ClientId = settings.ClientId;
    options.ProviderOptions.ResponseType = "code";
    options.ProviderOptions.DefaultScopes.Add("email");
    options.ProviderOptions.DefaultScopes.Add("roles");
    options.ProviderOptions.DefaultScopes.Add("offline_access");
    options.ProviderOptions.RedirectUri = new Uri(baseAddress, "callback").ToString();
    options.ProviderOptions.PostLogoutRedirectUri = baseAddress.ToString();
    options.AuthenticationPaths.LogInCallbackPath = "callback";
    options.UserOptions.NameClaim = "preferred_username";
});
builder.Services.AddGatewayClient(settings);

await builder.Build().RunAsync();
