using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Introserv.Panel.Host;

// Where the app finds the gateway (section Panel): its public URL, which is also the token issuer, and the client id
// Identity registered for the panel. The browser reads them from /panel-settings.json at start-up, so one build of
// the app serves every installation.
public sealed class PanelSettings
{
    public const string SectionName = "Panel";

    [Required]
    [Url]
    public string GatewayUrl { get; set; } = string.Empty;

    [Required]
    public string ClientId { get; set; } = "introserv-panel";
}

public static class PanelHostExtensions
{
    public const string SettingsPath = "/panel-settings.json";

    public static IEndpointRouteBuilder MapPanelSettings(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapGet(SettingsPath, (IOptions<PanelSettings> settings, HttpContext context) =>
        {
            context.Response.Headers.CacheControl = "no-cache";
            return TypedResults.Ok(new
            {
                gatewayUrl = settings.Value.GatewayUrl.TrimEnd('/') + "/",
                clientId = settings.Value.ClientId,
            });
        });
        return app;
    }

    // The app talks to the gateway only: scripts, styles and frames from nowhere else, no referrer to other sites.
    public static IApplicationBuilder UsePanelHeaders(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var gateway = app.Services.GetRequiredService<IOptions<PanelSettings>>().Value.GatewayUrl.TrimEnd('/');
        var policy = "default-src 'self'; " +
            "script-src 'self' 'wasm-unsafe-eval'; " +
            "style-src 'self'; img-src 'self' data:; " +
            $"connect-src 'self' {gateway}; " +
            $"frame-src 'self' {gateway}; " +
            "frame-ancestors 'none'; base-uri 'self'; form-action 'self' " + gateway;
        return app.Use(async (context, next) =>
        {
            var headers = context.Response.Headers;
            headers.ContentSecurityPolicy = policy;
            headers.XContentTypeOptions = "nosniff";
            headers["Referrer-Policy"] = "no-referrer";
            await next(context);
        });
    }
}
