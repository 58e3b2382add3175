using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Introserv.ServiceDefaults;

/// <summary>
/// The defaults every service and the gateway start from: telemetry, health, service discovery,
/// resilient HTTP and gRPC clients, and ProblemDetails for every error response.
/// </summary>
public static class Extensions
{
    /// <summary>
    /// Readiness endpoint: the service and what it cannot serve without (its own database); see
    /// <see cref="HealthReadiness"/>.
    /// </summary>
    public const string HealthEndpointPath = "/health";

    /// <summary>Liveness endpoint: the process answers; dependencies are not consulted.</summary>
    public const string AlivenessEndpointPath = "/alive";

    /// <summary>Tag for health checks that belong to the liveness probe.</summary>
    public const string LiveTag = "live";

    /// <summary>Adds the shared service defaults.</summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        // The one clock of every service: code takes TimeProvider, tests replace this registration.
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();
        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // gRPC clients are created through IHttpClientFactory too, so they get the same handler.
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });
        builder.Services.AddIntroservProblemDetails();
        builder.AddIntroservInputErrors();
        builder.AddIntroservForwardedHeaders();
        return builder;
    }

    /// <summary>Registers the liveness check; service-specific checks add themselves as readiness checks.</summary>
    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);
        builder.AddReadinessRules();
        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (every check) and <c>/alive</c> (liveness only) in every environment:
    /// Kubernetes probes need them. Responses carry only the aggregate status, never details.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthEndpointPath).DisableHttpMetrics();
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(LiveTag),
        }).DisableHttpMetrics();
        app.MapHealthDetails();
        return app;
    }
}
