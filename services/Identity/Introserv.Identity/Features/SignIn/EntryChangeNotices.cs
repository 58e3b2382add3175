using System.Data.Common;
using Introserv.BuildingBlocks.Data;
using Introserv.Identity.Features.Security;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Introserv.Identity.Features.SignIn;

// What every Identity replica remembers for Identity:EntryCacheLifetime (an account's allow-list, whether a session
// is still valid) and one replica changes. The replica that changes it forgets its own copy at once and tells the
// others through PostgreSQL: a NOTIFY on the identity database, sent in the change's transaction (so it is delivered
// when, and only if, the change commits), which every replica LISTENs for on a connection of its own
// (EntryChangeListener). A change then holds at every replica within milliseconds rather than the lifetime; a notice
// a replica missed (its listening connection was down) leaves the lifetime as the bound, and a replica forgets
// everything when it listens again.
public static class EntryChangeNotices
{
    public const string Channel = "introserv_identity_entries";

    // Sessions were revoked: every replica forgets every remembered token answer.
    public const string Sessions = "sessions";

    private const string AllowListPrefix = "allow-list:";

    public static string AllowList(Guid accountId) => AllowListPrefix + accountId.ToString("D");

    // Sends the notice on the context's connection (in its transaction, when one is open).
    public static async Task SendAsync(DatabaseFacade database, string notice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(database);
        await database.ExecuteSqlAsync($"SELECT pg_notify({Channel}, {notice})", cancellationToken);
    }

    // Applies a notice to this replica's memories; false for a notice it does not know (a later release's).
    public static bool Apply(string notice, AccountAllowLists allowLists, TokenEntryCache tokens)
    {
        ArgumentNullException.ThrowIfNull(notice);
        ArgumentNullException.ThrowIfNull(allowLists);
        ArgumentNullException.ThrowIfNull(tokens);
        if (notice == Sessions)
        {
            tokens.Clear();
            return true;
        }

        if (notice.StartsWith(AllowListPrefix, StringComparison.Ordinal)
            && Guid.TryParse(notice.AsSpan(AllowListPrefix.Length), out var accountId))
        {
            allowLists.Forget(accountId);
            return true;
        }

        return false;
    }
}

// Listens for EntryChangeNotices on a connection of its own, from when the migrations are applied until the replica
// stops. A connection that breaks (or stops answering the check every CheckEvery) is opened again after RetryAfter;
// whatever changed meanwhile is forgotten as soon as it listens again.
public sealed class EntryChangeListener(
    IServiceScopeFactory scopes,
    MigrationState<IdentityServiceDbContext> migrations,
    AccountAllowLists allowLists,
    TokenEntryCache tokens,
    IOptions<IdentityServerOptions> options,
    ILogger<EntryChangeListener> logger) : BackgroundService
{
    public static readonly TimeSpan CheckEvery = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(2);

    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Completes once the replica listens (tests wait for it).
    public Task Listening => _listening.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.EntryCacheLifetime <= TimeSpan.Zero)
        {
            // Nothing is remembered, so there is nothing to forget.
            _listening.TrySetResult();
            return;
        }

        try
        {
            await migrations.WhenApplied(stoppingToken);
            string connectionString;
            await using (var scope = scopes.CreateAsyncScope())
            {
                connectionString = scope.ServiceProvider.GetRequiredService<IdentityServiceDbContext>()
                    .Database.GetConnectionString()!;
            }

            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await ListenAsync(connectionString, stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested
                    && ex is DbException or TimeoutException or InvalidOperationException or IOException)
                {
                    logger.LogWarning(ex,
                        "Not listening for other replicas' allow-list and session changes (they hold here within " +
                        "{Lifetime}); trying again in {Delay}", options.Value.EntryCacheLifetime, RetryAfter);
                    await Task.Delay(RetryAfter, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The replica is stopping.
        }
    }

    private async Task ListenAsync(string connectionString, CancellationToken stoppingToken)
    {
        // Not from the pool: this connection is held for as long as the replica runs.
        var settings = new NpgsqlConnectionStringBuilder(connectionString)
        {
            Pooling = false,
            ApplicationName = "introserv-identity-entry-notices",
        };
        await using var connection = new NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(stoppingToken);
        connection.Notification += (_, notice) =>
        {
            if (!EntryChangeNotices.Apply(notice.Payload, allowLists, tokens))
            {
                logger.LogDebug("Ignored an unknown entry notice {Notice}", notice.Payload);
            }
        };
        await using (var listen = new NpgsqlCommand($"LISTEN {EntryChangeNotices.Channel}", connection))
        {
            await listen.ExecuteNonQueryAsync(stoppingToken);
        }

        // Changes made while no notice could arrive.
        allowLists.ForgetAll();
        tokens.Clear();
        _listening.TrySetResult();
        logger.LogDebug("Listening for other replicas' allow-list and session changes");
        while (true)
        {
            if (!await connection.WaitAsync(CheckEvery, stoppingToken))
            {
                // Quiet for a while: make sure the connection is still there (a silently dropped one never wakes).
                await using var check = new NpgsqlCommand("SELECT 1", connection);
                await check.ExecuteScalarAsync(stoppingToken);
            }
        }
    }
}
