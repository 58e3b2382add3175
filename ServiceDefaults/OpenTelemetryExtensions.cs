using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Introserv.ServiceDefaults;

/// <summary>OpenTelemetry logs, traces and metrics, exported over OTLP when an endpoint is configured.</summary>
public static class OpenTelemetryExtensions
{
    /// <summary>Activity sources and meters of the project's own code start with this prefix.</summary>
    public const string InstrumentationPrefix = "Introserv";

    /// <summary>
    /// Whether traces and metrics are recorded only when an OTLP endpoint receives them (the default, true): without a
    /// collector nobody reads them, and recording them costs every request. Set it to false to record them anyway.
    /// </summary>
    public const string OnlyWhenExportingKey = "Telemetry:OnlyWhenExporting";

    /// <summary>Configures logging, tracing and metrics with the instrumentation the services use.</summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        var exporting = !string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        if (!exporting && builder.Configuration.GetValue(OnlyWhenExportingKey, true))
        {
            // Nobody receives the traces and metrics: do not pay for recording them on every request. Logs still go
            // to the console.
            return builder;
        }

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter("MassTransit")
                .AddMeter($"{InstrumentationPrefix}.*"))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource("MassTransit")
                .AddSource($"{InstrumentationPrefix}.*")
                .AddAspNetCoreInstrumentation(options =>
                    // Probe traffic would drown the traces that matter.
                    options.Filter = context =>
                        !context.Request.Path.StartsWithSegments(Extensions.HealthEndpointPath)
                        && !context.Request.Path.StartsWithSegments(Extensions.AlivenessEndpointPath))
                .AddGrpcClientInstrumentation()
                .AddHttpClientInstrumentation());

        // Npgsql/EF Core and Redis tracing come from the Aspire client integrations each service adds.
        if (exporting)
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        return builder;
    }
}
