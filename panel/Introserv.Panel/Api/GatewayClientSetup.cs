using Introserv.Panel.Gateway;
using Microsoft.AspNetCore.Components.WebAssembly.Authentication;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Http.HttpClientLibrary;

namespace Introserv.Panel.Api;

public static class GatewayClientSetup
{
    // The generated client of the gateway's public API, sending the signed-in customer's access token (and only to
    // the gateway).
    public static IServiceCollection AddGatewayClient(this IServiceCollection services, PanelSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var gateway = settings.GatewayUrl.TrimEnd('/');
        services.AddScoped(provider =>
        {
            var authorization = provider.GetRequiredService<AuthorizationMessageHandler>()
                .ConfigureHandler(authorizedUrls: [gateway]);
            authorization.InnerHandler = new StepUpTokenHandler(provider.GetRequiredService<StepUpTokens>())
            {
                InnerHandler = new ProblemCapture { InnerHandler = new HttpClientHandler() },
            };
            var http = new HttpClient(authorization) { BaseAddress = new Uri(gateway + "/") };
            return new GatewayClient(
                new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: http)
                {
                    BaseUrl = gateway,
                });
        });
        services.AddScoped<ApiCalls>();
        services.AddScoped<StepUpTokens>();
        return services;
    }
}
