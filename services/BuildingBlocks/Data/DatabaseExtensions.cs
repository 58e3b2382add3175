using Introserv.BuildingBlocks.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Introserv.BuildingBlocks.Data;

public static class DatabaseExtensions
{
    // Registers the service's PostgreSQL TContext through the Aspire Npgsql EF Core integration (pooling, retries,
    // health check, tracing) and the start-up migration step.
    public static IHostApplicationBuilder AddServiceDatabase<TContext>(
        this IHostApplicationBuilder builder, string connectionName)
        where TContext : DbContext
    {
        builder.AddNpgsqlDbContext<TContext>(connectionName, configureDbContextOptions: options =>
            options.AddInterceptors(new OutboxCommitInterceptor<TContext>(), new VersionInterceptor()));
        builder.Services.TryAddSingleton<MigrationState<TContext>>();
        builder.Services.TryAddSingleton<DatabaseMigrator<TContext>>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<DatabaseMigrator<TContext>>());
        builder.Services.AddSingleton<IServiceMigration>(sp => sp.GetRequiredService<DatabaseMigrator<TContext>>());
        builder.Services.AddHealthChecks()
            .AddCheck<MigrationHealthCheck<TContext>>($"{typeof(TContext).Name}-migrations");
        return builder;
    }
}
