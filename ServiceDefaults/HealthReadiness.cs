using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Introserv.ServiceDefaults;

/// <summary>
/// The readiness rules (section <c>HealthChecks</c>): a service is ready when it can serve a request, which needs
/// only its own database. Checks of what it can do without for a while (the broker, Redis, the outbox dispatcher:
/// names matching <c>HealthChecks:DegradeOnly</c>) are capped at Degraded, which readiness still answers 200.
/// Every check is bounded by <c>HealthChecks:Timeout</c> (default 800 ms), so <c>/health</c> answers within a second
/// even when a dependency hangs. <c>/health/details</c> lists each check for operators (private addresses only).
/// </summary>
public static class HealthReadiness
{
    public const string DetailsPath = "/health/details";

    /// <summary>Name fragments of checks that only degrade a service (case-insensitive).</summary>
    public static readonly IReadOnlyList<string> DefaultDegradeOnly =
        ["redis", "masstransit", "rabbitmq", "bus", "outbox"];

    public static TBuilder AddReadinessRules<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var section = builder.Configuration.GetSection("HealthChecks");
        var timeout = section.GetValue("Timeout", TimeSpan.FromMilliseconds(800));
        var degradeOnly = section.GetSection("DegradeOnly").Get<string[]>() is { Length: > 0 } configured
            ? configured
            : [.. DefaultDegradeOnly];
        builder.Services.PostConfigure<HealthCheckServiceOptions>(options =>
        {
            var registrations = options.Registrations.ToList();
            options.Registrations.Clear();
            foreach (var registration in registrations)
            {
                options.Registrations.Add(Apply(registration, timeout, degradeOnly));
            }
        });
        return builder;
    }

    /// <summary>Whether a check's failure only degrades the service.</summary>
    public static bool IsDegradeOnly(string name, IEnumerable<string> fragments) =>
        fragments.Any(f => name.Contains(f, StringComparison.OrdinalIgnoreCase));

    private static HealthCheckRegistration Apply(
        HealthCheckRegistration registration, TimeSpan timeout, IReadOnlyList<string> degradeOnly)
    {
        var bounded = registration.Timeout == Timeout.InfiniteTimeSpan || registration.Timeout > timeout
            ? timeout
            : registration.Timeout;
        if (!IsDegradeOnly(registration.Name, degradeOnly))
        {
            registration.Timeout = bounded;
            return registration;
        }

        var inner = registration.Factory;
        return new HealthCheckRegistration(
            registration.Name,
            services => new AtMostDegraded(inner(services)),
            HealthStatus.Degraded,
            registration.Tags,
            bounded);
    }

    /// <summary>Maps <c>/health/details</c>: every check with its status, duration and description.</summary>
    public static WebApplication MapHealthDetails(this WebApplication app)
    {
        app.MapHealthChecks(DetailsPath, new HealthCheckOptions
        {
            ResponseWriter = WriteDetailsAsync,
        }).DisableHttpMetrics().AddEndpointFilter(async (context, next) =>
            IsPrivate(context.HttpContext.ClientAddress()) ? await next(context) : Results.NotFound());
        return app;
    }

    // Operators and probes reach a pod from inside the cluster; the public never needs the dependency list.
    private static bool IsPrivate(IPAddress? address) => address is not null && (IPAddress.IsLoopback(address)
        || address.IsIPv6UniqueLocal || address.IsIPv6LinkLocal
        || address.GetAddressBytes() is [10, ..] or [172, >= 16 and <= 31, ..] or [192, 168, ..]);

    private static Task WriteDetailsAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        return JsonSerializer.SerializeAsync(context.Response.Body, new
        {
            status = report.Status.ToString(),
            durationMs = Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            checks = report.Entries.Select(e => new
            {
                name = e.Key,
                status = e.Value.Status.ToString(),
                durationMs = Math.Round(e.Value.Duration.TotalMilliseconds, 1),
                description = e.Value.Description ?? e.Value.Exception?.GetType().Name,
                tags = e.Value.Tags,
            }),
        }, JsonSerializerOptions.Web, context.RequestAborted);
    }

    private sealed class AtMostDegraded(IHealthCheck inner) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(
            HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var result = await inner.CheckHealthAsync(context, cancellationToken);
            return result.Status == HealthStatus.Unhealthy
                ? new HealthCheckResult(HealthStatus.Degraded, result.Description, result.Exception, result.Data)
                : result;
        }
    }
}
