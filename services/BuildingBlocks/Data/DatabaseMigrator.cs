using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Introserv.BuildingBlocks.Data;

// Brings the service's schema up to date at start-up. With Database:MigrateOnStartup true (the default, local runs) it
// applies the EF Core migrations itself; with false (Kubernetes, where an init container runs migrate first) it only
// waits until no migration is pending. Either way it retries while the database is unreachable, and the service reports
// unhealthy (MigrationHealthCheck) until the schema is current, so nothing routes traffic to a service whose schema is
// behind its code.
public sealed class DatabaseMigrator<TContext>(
    IServiceProvider services,
    MigrationState<TContext> state,
    IConfiguration configuration,
    ILogger<DatabaseMigrator<TContext>> logger) : BackgroundService, IServiceMigration
    where TContext : DbContext
{
    // Configuration key: whether the running service applies migrations itself.
    public const string MigrateOnStartupKey = "Database:MigrateOnStartup";

    private static readonly ActivitySource Activity = new("Introserv.Migrations");

    public string Name => typeof(TContext).Name;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var apply = configuration.GetValue(MigrateOnStartupKey, defaultValue: true);
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (apply)
                {
                    await ApplyAsync(stoppingToken);
                }
                else
                {
                    var pending = await PendingAsync(stoppingToken);
                    if (pending.Count > 0)
                    {
                        throw new InvalidOperationException(
                            $"{pending.Count} migration(s) of {Name} not applied yet ({string.Join(", ", pending)}); " +
                            $"waiting for the migrate step.");
                    }
                }

                state.MarkApplied();
                logger.LogInformation("Database schema of {Context} is current", Name);
                return;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                state.MarkFailed(ex);
                logger.LogWarning(ex, "Schema of {Context} not ready; retrying in {Delay}", Name, delay);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 30));
            }
        }
    }

    // Applies every pending migration (EF Core creates the database when it does not exist yet), then the deployment's
    // seeds (IDatabaseSeed), so a service is ready only with both, then the runtime role's grants (RuntimeRoleGrants).
    public async Task ApplyAsync(CancellationToken cancellationToken)
    {
        using var activity = Activity.StartActivity($"Migrate {Name}");
        var role = configuration[RuntimeRoleGrants.RuntimeRoleKey] is { Length: > 0 } configured ? configured : null;
        if (role is not null)
        {
            RuntimeRoleGrants.ThrowIfInvalid(role);
        }

        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        await db.Database.MigrateAsync(cancellationToken);
        foreach (var seed in scope.ServiceProvider.GetServices<IDatabaseSeed<TContext>>())
        {
            await seed.SeedAsync(db, cancellationToken);
        }

        if (role is not null)
        {
            await RuntimeRoleGrants.ApplyAsync(db, role, cancellationToken);
            logger.LogInformation("Rows of {Context} granted to the runtime role {Role}", Name, role);
        }
    }

    private async Task<IReadOnlyList<string>> PendingAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        return [.. await db.Database.GetPendingMigrationsAsync(cancellationToken)];
    }
}

// One database's migration step, run by MigrationCommand.
public interface IServiceMigration
{
    string Name { get; }

    Task ApplyAsync(CancellationToken cancellationToken);
}

// Data a deployment configures for its database (not data in migrations): applied after the migrations, by the service
// at start-up or by its migrate step, and idempotent, since it runs on every start.
public interface IDatabaseSeed<in TContext>
    where TContext : DbContext
{
    Task SeedAsync(TContext db, CancellationToken cancellationToken);
}
