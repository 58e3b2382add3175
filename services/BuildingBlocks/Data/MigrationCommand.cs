using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Introserv.BuildingBlocks.Data;

// {service} migrate: applies the service's migrations and exits (0 when the schema is current, 1 when it could not be
// brought there within Database:MigrateDeadline). Deployments run it as an init container before a new version serves,
// and start the service itself with Database:MigrateOnStartup=false.
public static class MigrationCommand
{
    public const string Verb = "migrate";

    // Configuration key: how long the command keeps retrying (default five minutes).
    public const string DeadlineKey = "Database:MigrateDeadline";

    // Runs the host, or only its migrations when the first argument is migrate.
    public static async Task<int> RunOrMigrateAsync(this IHost host, string[] args)
    {
        if (args is not [Verb, ..])
        {
            await host.RunAsync();
            return 0;
        }

        var logger = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MigrationCommand));
        var deadline = host.Services
            .GetRequiredService<IConfiguration>()
            .GetValue(DeadlineKey, TimeSpan.FromMinutes(5));
        using var timeout = new CancellationTokenSource(deadline);
        var lifetime = host.Services.GetRequiredService<IHostApplicationLifetime>();
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(
            timeout.Token, lifetime.ApplicationStopping);
        foreach (var migration in host.Services.GetServices<IServiceMigration>())
        {
            if (!await ApplyWithRetriesAsync(migration, logger, deadline, stopping.Token))
            {
                return 1;
            }
        }

        return 0;
    }

    private static async Task<bool> ApplyWithRetriesAsync(
        IServiceMigration migration, ILogger logger, TimeSpan deadline, CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (true)
        {
            try
            {
                await migration.ApplyAsync(cancellationToken);
                logger.LogInformation("Migrations of {Context} applied", migration.Name);
                return true;
            }
            catch (InvalidRuntimeRoleException ex)
            {
                // A setting to fix: retrying cannot help.
                logger.LogError(ex, "Migrating {Context} refused: {Reason}", migration.Name, ex.Message);
                return false;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Migrating {Context} failed; retrying in {Delay}", migration.Name, delay);
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Migrating {Context} did not finish within {Deadline}", migration.Name, deadline);
                return false;
            }

            try
            {
                await Task.Delay(delay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                logger.LogError("Migrating {Context} did not finish within {Deadline}", migration.Name, deadline);
                return false;
            }

            delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 15));
        }
    }
}
