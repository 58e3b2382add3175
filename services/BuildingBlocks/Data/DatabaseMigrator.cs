using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Introserv.BuildingBlocks.Data;

/// <summary>
/// Applies the service's EF Core migrations at start-up, retrying while the database server is
/// unreachable. The service reports unhealthy (<see cref="MigrationHealthCheck{TContext}"/>) until this is done,
/// so nothing routes traffic to a service whose schema is behind its code.
/// </summary>
public sealed class DatabaseMigrator<TContext>(
    IServiceProvider services,
    MigrationState<TContext> state,
    ILogger<DatabaseMigrator<TContext>> logger) : BackgroundService
    where TContext : DbContext
{
    private static readonly ActivitySource Activity = new("Introserv.Migrations");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var activity = Activity.StartActivity($"Migrate {typeof(TContext).Name}");
                await using var scope = services.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<TContext>();
                // EF Core creates the database when it does not exist yet.
                await db.Database.MigrateAsync(stoppingToken);
                state.MarkApplied();
                logger.LogInformation("Database migrations for {Context} applied", typeof(TContext).Name);
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                state.MarkFailed(ex);
                logger.LogWarning(ex, "Migrating {Context} failed; retrying in {Delay}", typeof(TContext).Name, delay);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 30));
            }
        }
    }
}
