using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Introserv.BuildingBlocks.Messaging;

// Healthy while the dispatcher runs and publishes; degraded while it retries; unhealthy when it has stopped or has been
// failing for longer than MessagingOptions.UnhealthyAfter.
public sealed class OutboxHealthCheck<TContext>(
    OutboxDispatcherState<TContext> state,
    IOptions<MessagingOptions> options,
    TimeProvider clock) : IHealthCheck
    where TContext : DbContext
{
    public Task<HealthCheckResult> CheckHealthAsync(
        HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!state.Running)
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("Outbox dispatcher is not running"));
        }

        if (state.FailingSince is { } since)
        {
            var failingFor = clock.GetUtcNow() - since;
            return Task.FromResult(failingFor > options.Value.UnhealthyAfter
                ? HealthCheckResult.Unhealthy($"Outbox dispatch failing for {failingFor:g}: {state.LastError}")
                : HealthCheckResult.Degraded($"Outbox dispatch retrying: {state.LastError}"));
        }

        return Task.FromResult(HealthCheckResult.Healthy());
    }
}
