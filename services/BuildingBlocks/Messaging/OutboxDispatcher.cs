using System.Diagnostics;
using Introserv.BuildingBlocks.Data;
using Introserv.ServiceDefaults;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Introserv.BuildingBlocks.Messaging;

// Publishes committed outbox rows through MassTransit with publisher confirms. Each batch is claimed with FOR UPDATE
// SKIP LOCKED, so replicas of a service never publish the same row at the same time; the rows of a batch are published
// concurrently and marked sent in the claiming transaction. Rows this process committed are claimed by id as soon as
// their transaction commits (OutboxSignal); a scan for pending rows every poll interval finds the rest. While the
// broker is unreachable rows stay pending and the dispatcher backs off, then resumes. A row that fails by itself (a
// poison row) is retried on its own schedule, then moved to outbox_dead_letters.
public sealed class OutboxDispatcher<TContext>(
    IServiceScopeFactory scopes,
    IBus bus,
    MigrationState<TContext> migrations,
    OutboxDispatcherState<TContext> state,
    MessagingMetrics metrics,
    IOptions<MessagingOptions> options,
    TimeProvider clock,
    ILogger<OutboxDispatcher<TContext>> logger) : BackgroundService
    where TContext : DbContext
{
    public static readonly ActivitySource ActivitySource = new("Introserv.Messaging");

    private readonly MessagingOptions _options = options.Value;
    private DateTimeOffset _nextPrune;
    private DateTimeOffset _nextCount;
    private DateTimeOffset _nextScan;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await migrations.WhenApplied(stoppingToken);
        state.Started();
        var backoff = TimeSpan.Zero;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var now = clock.GetUtcNow();
                    var scan = now >= _nextScan;
                    var (published, failed) = await DispatchBatchAsync(scan, stoppingToken);
                    if (scan)
                    {
                        // A scan that filled a batch may have left more behind: the next round scans again.
                        _nextScan = published + failed >= _options.BatchSize ? now : now + _options.PollInterval;
                    }

                    if (failed > 0)
                    {
                        backoff = NextBackoff(backoff);
                        await Task.Delay(backoff, clock, stoppingToken);
                        continue;
                    }

                    backoff = TimeSpan.Zero;
                    state.Succeeded(clock.GetUtcNow());
                    await HousekeepAsync(stoppingToken);
                    if (published < _options.BatchSize && !OutboxSignal<TContext>.Instance.HasCommitted
                        && clock.GetUtcNow() < _nextScan)
                    {
                        var untilScan = TimeSpan.FromTicks(Math.Max(1, (_nextScan - clock.GetUtcNow()).Ticks));
                        await OutboxSignal<TContext>.Instance.WaitAsync(untilScan, stoppingToken);
                    }
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Database unreachable or similar: keep the rows, wait, try again.
                    state.Failed(clock.GetUtcNow(), ex.Message);
                    backoff = NextBackoff(backoff);
                    logger.LogWarning(ex, "Outbox dispatch for {Context} failed; retrying in {Delay}",
                        typeof(TContext).Name, backoff);
                    await Task.Delay(backoff, clock, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down.
        }
        finally
        {
            state.Stopped();
        }
    }

    // Claims, publishes and marks one batch: the rows this process committed since the last batch, then the oldest
    // pending rows. Returns how many rows were published and how many failed because of the broker; rows that fail by
    // themselves are retried later, then dead-lettered, and count as neither.
    public Task<(int Published, int Failed)> DispatchBatchAsync(CancellationToken cancellationToken) =>
        DispatchBatchAsync(scan: true, cancellationToken);

    // With scan, the scan runs whether or not ids were waiting: under steady load ids always are, and the rows only
    // the scan finds (another replica's, those a broker outage left behind) must not wait for a quiet moment.
    private async Task<(int Published, int Failed)> DispatchBatchAsync(bool scan, CancellationToken cancellationToken)
    {
        var ids = OutboxSignal<TContext>.Instance.TakeCommitted(_options.BatchSize);
        var (published, failed) = ids.Count > 0 ? await DispatchAsync(ids, cancellationToken) : (0, 0);
        if (scan && failed == 0)
        {
            var (scanned, scanFailed) = await DispatchAsync(null, cancellationToken);
            (published, failed) = (published + scanned, failed + scanFailed);
        }

        return (published, failed);
    }

    // Claims the given rows (those still pending and not claimed elsewhere), or with null the oldest pending rows.
    private async Task<(int Published, int Failed)> DispatchAsync(List<Guid>? ids, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            // The claim is traced only when it finds rows (see QuietPolling).
            using var quiet = QuietPolling.Begin();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var rows = ids is null
                ? await db.Set<OutboxMessage>()
                    .FromSqlRaw(
                        "SELECT * FROM outbox_messages WHERE sent_at IS NULL " +
                        "AND (next_attempt_at IS NULL OR next_attempt_at <= {1}) " +
                        "ORDER BY created_at LIMIT {0} FOR UPDATE SKIP LOCKED",
                        _options.BatchSize, clock.GetUtcNow())
                    .ToListAsync(ct)
                : await ClaimByIdAsync(db, ids, ct);
            if (rows.Count == 0)
            {
                await transaction.CommitAsync(ct);
                return (0, 0);
            }

            quiet.Dispose(); // disposing twice is harmless

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_options.PublishTimeout);
            var outcomes = await Task.WhenAll(rows.Select(row => PublishAsync(row, timeout.Token)));

            var now = clock.GetUtcNow();
            var (published, failed) = (0, 0);
            var sent = new List<Guid>(rows.Count);
            for (var i = 0; i < rows.Count; i++)
            {
                if (outcomes[i].Error is null)
                {
                    published++;
                    sent.Add(rows[i].Id);
                    metrics.CommitToPublish(now - rows[i].CreatedAt);
                }
                else if (outcomes[i].Poison)
                {
                    PoisonFailed(db, rows[i], outcomes[i], now);
                }
                else
                {
                    failed++;
                    rows[i].LastError = Truncate(outcomes[i].Describe(), 2000);
                }
            }

            // The published rows marked sent in one statement (not one per row); the failed ones as tracked.
            if (sent.Count > 0)
            {
                await db.Set<OutboxMessage>()
                    .Where(m => sent.Contains(m.Id))
                    .ExecuteUpdateAsync(
                        m => m.SetProperty(x => x.SentAt, now).SetProperty(x => x.LastError, (string?)null), ct);
            }

            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);

            metrics.Dispatched(published);
            if (failed > 0)
            {
                metrics.DispatchFailed(failed);
                var firstError = outcomes.First(o => o.Error is not null && !o.Poison).Error!;
                state.Failed(now, firstError.Message);
                logger.LogWarning(firstError,
                    "{Failed} of {Count} outbox events of {Context} could not be published; they stay pending",
                    failed, rows.Count, typeof(TContext).Name);
            }

            return (published, failed);
        }, cancellationToken);
    }

    // The rows by primary key only, their state checked here: with "sent_at IS NULL" in the statement PostgreSQL's
    // generic plan walks the partial index of pending rows instead (it believes that index small; it holds every row
    // sent since the last vacuum). Rows already sent are locked for a moment and left alone.
    private async Task<List<OutboxMessage>> ClaimByIdAsync(
        TContext db, List<Guid> ids, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var rows = await db.Set<OutboxMessage>()
            .FromSqlRaw("SELECT * FROM outbox_messages WHERE id = ANY({0}) FOR UPDATE SKIP LOCKED", ids.ToArray())
            .ToListAsync(cancellationToken);
        return [.. rows
            .Where(r => r.SentAt is null && (r.NextAttemptAt is null || r.NextAttemptAt <= now))
            .OrderBy(r => r.CreatedAt)];
    }

    // A row that fails by itself is retried with its own back-off, so it neither holds up the rows behind it nor the
    // dispatcher; after MessagingOptions.MaxPublishAttempts it moves to the dead letters.
    private void PoisonFailed(TContext db, OutboxMessage row, OutboxPublishOutcome outcome, DateTimeOffset now)
    {
        row.Attempts++;
        row.LastError = Truncate(outcome.Describe(), 2000);
        if (row.Attempts < _options.MaxPublishAttempts)
        {
            var delay = _options.PoisonRetryDelay * Math.Pow(2, Math.Min(row.Attempts - 1, 10));
            row.NextAttemptAt = now + delay;
            logger.LogWarning(
                "Outbox row {RowId} of type {MessageType} in {Context} cannot be published (attempt {Attempt} of " +
                "{MaxAttempts}): {Error}",
                row.Id, row.MessageType, typeof(TContext).Name, row.Attempts, _options.MaxPublishAttempts,
                row.LastError);
            return;
        }

        db.Set<OutboxMessage>().Remove(row);
        db.Set<OutboxDeadLetter>().Add(OutboxDeadLetter.From(row, now));
        metrics.DeadLettered(row.MessageType);
        logger.LogError(
            "Outbox row {RowId} of type {MessageType} in {Context} moved to outbox_dead_letters after " +
            "{Attempts} attempts: {Error}",
            row.Id, row.MessageType, typeof(TContext).Name, row.Attempts, row.LastError);
    }

    private async Task<OutboxPublishOutcome> PublishAsync(OutboxMessage row, CancellationToken cancellationToken)
    {
        try
        {
            var (type, message) = OutboxPublishOutcome.Read(row);

            // Continue the trace of the transaction that wrote the row; MassTransit carries it on to the consumer.
            ActivityContext.TryParse(row.TraceParent, null, out var parent);
            using var activity = ActivitySource.StartActivity(
                $"outbox publish {type.Name}", ActivityKind.Producer, parent);
            activity?.SetTag("messaging.message.id", row.Id);

            await bus.Publish(message, type, context => context.MessageId = row.Id, cancellationToken);
            return OutboxPublishOutcome.Published;
        }
        catch (Exception ex)
        {
            return OutboxPublishOutcome.Of(ex);
        }
    }

    private async Task HousekeepAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        if (now >= _nextCount)
        {
            _nextCount = now.AddSeconds(5);
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TContext>();
            metrics.SetPending(await db.Set<OutboxMessage>().LongCountAsync(m => m.SentAt == null, cancellationToken));
        }

        if (now >= _nextPrune)
        {
            _nextPrune = now + _options.PruneInterval;
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TContext>();
            var cutoff = now - _options.Retention;
            var sent = await db.Database.ExecuteSqlInterpolatedAsync(
                $"""
                DELETE FROM outbox_messages
                WHERE id IN (SELECT id FROM outbox_messages WHERE sent_at < {cutoff} LIMIT 10000)
                """,
                cancellationToken);
            var seen = await db.Database.ExecuteSqlInterpolatedAsync(
                $"""
                DELETE FROM inbox_messages
                WHERE ctid IN (SELECT ctid FROM inbox_messages WHERE processed_at < {cutoff} LIMIT 10000)
                """,
                cancellationToken);
            if (sent + seen > 0)
            {
                logger.LogInformation(
                    "Pruned {Sent} sent outbox rows and {Seen} inbox rows older than {Cutoff}", sent, seen, cutoff);
            }
        }
    }

    private TimeSpan NextBackoff(TimeSpan current) =>
        current == TimeSpan.Zero
            ? TimeSpan.FromMilliseconds(250)
            : TimeSpan.FromMilliseconds(Math.Min(current.TotalMilliseconds * 2, _options.MaxBackoff.TotalMilliseconds));

    private static string Truncate(string value, int length) => value.Length <= length ? value : value[..length];
}
