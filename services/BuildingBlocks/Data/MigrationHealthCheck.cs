using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Introserv.BuildingBlocks.Data;

// Unhealthy until the service's migrations have been applied.
public sealed class MigrationHealthCheck<TContext>(MigrationState<TContext> state) : IHealthCheck
    where TContext : DbContext
{
    public Task<HealthCheckResult> CheckHealthAsync(
        HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(state.IsApplied
            ? HealthCheckResult.Healthy("Migrations applied")
            : HealthCheckResult.Unhealthy("Migrations not applied yet", state.LastError));
}
