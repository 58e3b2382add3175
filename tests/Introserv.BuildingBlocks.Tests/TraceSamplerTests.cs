using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace Introserv.BuildingBlocks.Tests;

// Alone: an activity is recorded when any tracer provider in the process wants it, so no other host may listen.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TraceSamplerGroup
{
    public const string Name = "trace sampler";
}

// The trace sampler is configuration, as OpenTelemetry specifies it (OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG):
// what the Kubernetes manifests set is what a service's own traces follow.
[Collection(TraceSamplerGroup.Name)]
public sealed class TraceSamplerTests
{
    [Theory]
    [InlineData("always_on", null, true)]
    [InlineData("always_off", null, false)]
    [InlineData("parentbased_traceidratio", "1", true)]
    [InlineData("parentbased_traceidratio", "0", false)]
    public void A_new_trace_is_kept_as_the_configured_sampler_says(string sampler, string? ratio, bool kept)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            EnvironmentName = Environments.Production,
            DisableDefaults = true,
        });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            // An exporter is configured (nobody listens there), so the service records traces at all.
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9",
            ["OTEL_TRACES_SAMPLER"] = sampler,
            ["OTEL_TRACES_SAMPLER_ARG"] = ratio,
        });
        builder.ConfigureOpenTelemetry();
        using var host = builder.Build();
        _ = host.Services.GetRequiredService<TracerProvider>();
        using var source = new ActivitySource($"{OpenTelemetryExtensions.InstrumentationPrefix}.SamplerProbe");

        using var activity = source.StartActivity("probe");

        Assert.Equal(kept, activity?.Recorded == true);
    }
}
