using System.Collections.Concurrent;
using Introserv.BuildingBlocks.Data;

namespace Introserv.Orders.Features.Common;

// Idempotency-Keys whose request failed before its effect committed and whose release failed too, because the
// database was unavailable (a request that outlasts the database's retries fails this way): each is released as soon
// as the database answers again, checked every second, so the client's retry runs instead of being answered
// "in progress" until the key's lease ends. A key is released only while it is still the same claim (taken at the
// same instant), without an answer and within its lease: a new request with the key, a committed answer, and a retry
// that takes the key over once its lease has ended keep it (a release racing such a takeover at the lease's very end
// leaves that retry without its key: it answers 409 in progress, and nothing is applied twice). Keys whose lease has
// ended are dropped (a retry takes them over anyway); so are all of them when the process stops.
public sealed partial class KeyReleases(
    IServiceScopeFactory scopes, TimeProvider clock, ILogger<KeyReleases> logger) : BackgroundService
{
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    // Beyond this many waiting keys (a long outage under load), further keys are left to their lease.
    public const int MaxPending = 10_000;

    private readonly ConcurrentDictionary<(Guid AccountId, string Key), DateTimeOffset> _pending = new();
    private readonly SemaphoreSlim _added = new(0);

    public int PendingCount => _pending.Count;

    // The key of accountId, taken at takenAt, is to be released once the database answers.
    public void Later(Guid accountId, string key, DateTimeOffset takenAt)
    {
        if (_pending.Count >= MaxPending)
        {
            LogTooManyPending(logger, MaxPending);
            return;
        }

        _pending[(accountId, key)] = takenAt;
        LogReleaseLater(logger, accountId);
        _added.Release();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            // Nothing to do (and no timer running) until a release fails.
            await _added.WaitAsync(stoppingToken);
            while (!_pending.IsEmpty)
            {
                await ReleasePendingAsync(stoppingToken);
                if (!_pending.IsEmpty)
                {
                    await Task.Delay(RetryInterval, stoppingToken);
                }
            }
        }
    }

    public override void Dispose()
    {
        _added.Dispose();
        base.Dispose();
    }

    // One pass over the waiting keys; stops at the first failure of the database (the next pass tries again).
    internal async Task ReleasePendingAsync(CancellationToken cancellationToken)
    {
        foreach (var ((accountId, key), takenAt) in _pending)
        {
            var entry = KeyValuePair.Create((accountId, key), takenAt);
            if (takenAt + Idempotency.Lease <= clock.GetUtcNow())
            {
                _pending.TryRemove(entry);
                continue;
            }

            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<Idempotency>()
                    .AbandonAsync(accountId, key, takenAt, cancellationToken);
                _pending.TryRemove(entry);
            }
            catch (Exception error) when (DatabaseFailures.IsUnavailable(error))
            {
                LogStillUnavailable(logger, _pending.Count, error.Message);
                return;
            }
            catch (Exception error) when (!cancellationToken.IsCancellationRequested)
            {
                // Not an outage: trying again changes nothing; the key is left to its lease.
                _pending.TryRemove(entry);
                LogReleaseFailed(logger, error, accountId);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error,
        Message = "An Idempotency-Key of account {AccountId} could not be released; it is taken over when its " +
            "lease ends")]
    private static partial void LogReleaseFailed(ILogger logger, Exception error, Guid accountId);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "The database was unavailable to release an Idempotency-Key of account {AccountId} whose request " +
            "failed; it is released once the database answers")]
    private static partial void LogReleaseLater(ILogger logger, Guid accountId);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "More than {Max} Idempotency-Keys wait for the database to be released; further ones are left " +
            "to their lease")]
    private static partial void LogTooManyPending(ILogger logger, int max);

    [LoggerMessage(Level = LogLevel.Debug,
        Message = "{Count} Idempotency-Keys still wait for the database to be released: {Error}")]
    private static partial void LogStillUnavailable(ILogger logger, int count, string error);
}
