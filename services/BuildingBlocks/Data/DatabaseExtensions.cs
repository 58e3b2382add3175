using Introserv.BuildingBlocks.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Introserv.BuildingBlocks.Data;

public static class DatabaseExtensions
{
    // A failed statement or transaction is tried again after about 1, 2 and 2 s (EF's exponential back-off, capped):
    // a restart or failover of a few seconds is ridden out, and a longer outage answers 503 service_unavailable with
    // Retry-After (UnavailableDependencyHandler) after about 5 s, well inside the gateway's 30 s upstream timeout. The
    // integration's own default (six retries, up to 30 s apart) held a request for over a minute, so the client saw
    // the gateway's 504 instead. Aspire:Npgsql:EntityFrameworkCore:PostgreSQL:DisableRetry=true still turns them
    // off.
    public const int RetryCount = 3;

    public static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(2);

    // Connections a process opens at most to its database, unless the connection string says otherwise: the
    // Kubernetes manifests' value (deploy/README.md sizes max_connections by it).
    public const int DefaultMaxPoolSize = 20;

    // Registers the service's PostgreSQL TContext through the Aspire Npgsql EF Core integration (pooling, retries,
    // health check, tracing) and the start-up migration step.
    public static IHostApplicationBuilder AddServiceDatabase<TContext>(
        this IHostApplicationBuilder builder, string connectionName)
        where TContext : DbContext
    {
        var retry = true;
        builder.AddNpgsqlDbContext<TContext>(
            connectionName,
            configureSettings: settings =>
            {
                settings.ConnectionString =
                    WithBoundedPool(WithoutResetOnClose(WithAutoPrepare(settings.ConnectionString)));
                retry = !settings.DisableRetry;
            },
            configureDbContextOptions: options =>
            {
                if (retry)
                {
                    options.UseNpgsql(npgsql => npgsql.EnableRetryOnFailure(RetryCount, MaxRetryDelay, null));
                }

                options.AddInterceptors(new OutboxCommitInterceptor<TContext>(), new VersionInterceptor());
            });
        builder.Services.TryAddSingleton<MigrationState<TContext>>();
        builder.Services.TryAddSingleton<DatabaseMigrator<TContext>>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DatabaseMigrator<TContext>>());
        builder.Services.AddSingleton<IServiceMigration>(sp => sp.GetRequiredService<DatabaseMigrator<TContext>>());
        builder.Services.AddHealthChecks()
            .AddCheck<MigrationHealthCheck<TContext>>($"{typeof(TContext).Name}-migrations");
        return builder;
    }

    // The statements a service runs on every request are prepared on the server after two uses, so PostgreSQL parses
    // and plans them once per connection instead of on every execution (most of its CPU on small reads). A connection
    // string that sets Max Auto Prepare itself keeps its value (0 turns this off, e.g. behind a pooler in transaction
    // mode, which does not keep prepared statements).
    public static string? WithAutoPrepare(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return connectionString;
        }

        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        if (!connectionString.Replace(" ", "", StringComparison.Ordinal)
            .Contains("AutoPrepare", StringComparison.OrdinalIgnoreCase))
        {
            settings.MaxAutoPrepare = 64;
            settings.AutoPrepareMinUsages = 2;
        }

        return settings.ConnectionString;
    }

    // A pooled connection is handed back as it is, without the seven reset statements Npgsql otherwise runs on it at
    // the next use (prepared statements rule out DISCARD ALL): a request opens a connection several times, so that was
    // more statements than the request's own. Safe because no service leaves session state on a connection: no
    // session SET, LISTEN or temporary table, and the lifecycle job releases its session advisory lock itself. A
    // connection string that sets No Reset On Close keeps its value.
    public static string? WithoutResetOnClose(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString)
            || connectionString.Replace(" ", "", StringComparison.Ordinal)
                .Contains("NoResetOnClose", StringComparison.OrdinalIgnoreCase))
        {
            return connectionString;
        }

        return new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true }.ConnectionString;
    }

    // At most DefaultMaxPoolSize connections per process and database (Npgsql's own default is 100), unless the
    // connection string sets Maximum Pool Size. Under a burst, requests then wait for a connection in the service (up
    // to the connection string's Timeout, 15 s by default, then 503 service_unavailable) instead of as a hundred
    // backends contending for two cores: measured with bench/orders.sh, PostgreSQL used less CPU per order and the
    // stack no longer fell into the state where every order waits seconds behind the invoice series' counter.
    public static string? WithBoundedPool(string? connectionString)
    {
        var keys = connectionString?.Replace(" ", "", StringComparison.Ordinal);
        if (string.IsNullOrWhiteSpace(keys)
            || keys.Contains("MaxPoolSize", StringComparison.OrdinalIgnoreCase)
            || keys.Contains("MaximumPoolSize", StringComparison.OrdinalIgnoreCase))
        {
            return connectionString;
        }

        return new NpgsqlConnectionStringBuilder(connectionString) { MaxPoolSize = DefaultMaxPoolSize }
            .ConnectionString;
    }
}
