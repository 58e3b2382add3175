using Introserv.Notifications.Data;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Notifications.Delivery;

// One lane's claim on a batch of notifications. Every write after the claim is conditional on the claim
// (Notification.LeaseId) still being this one: a lane whose lease ran out changes nothing.
internal sealed class DeliveryLeases(NotificationsDbContext db, Guid lease, SmtpOptions settings, TimeProvider clock)
{
    private readonly HashSet<Guid> _lost = [];

    // When the lease runs out (by this worker's clock); no send may still be running then.
    public DateTimeOffset Until { get; private set; }

    // The messages held (what a failed batch of this lease left: still this lease's and queued, whether or not due),
    // then up to batchSize due messages, all under a fresh lease.
    public async Task<List<Notification>> ClaimAsync(
        int batchSize, IReadOnlyCollection<Guid> held, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(held);
        var now = clock.GetUtcNow();
        var until = Until = now + settings.Lease;
        var batch = new List<Notification>();
        if (held.Count > 0)
        {
            var ids = held.ToArray();
            batch.AddRange(await db.Notifications.FromSqlInterpolated($"""
                UPDATE notifications SET "NextAttemptAt" = {until}
                WHERE "Id" = ANY({ids}) AND "LeaseId" = {lease} AND "Status" = 'queued'
                RETURNING *
                """).AsNoTracking().ToListAsync(cancellationToken));
        }

        batch.AddRange(await db.Notifications.FromSqlInterpolated($"""
            UPDATE notifications SET "NextAttemptAt" = {until}, "LeaseId" = {lease}
            WHERE "Id" IN (SELECT "Id" FROM notifications WHERE "Status" = 'queued' AND "NextAttemptAt" <= {now}
                           ORDER BY "NextAttemptAt" LIMIT {batchSize} FOR UPDATE SKIP LOCKED)
            RETURNING *
            """).AsNoTracking().ToListAsync(cancellationToken));
        return batch;
    }

    // Whether notification may be sent now: false when another worker has taken it; true while the lease has time for
    // a whole send (two send timeouts) left, otherwise once the lease of unsent (this message first, then the rest of
    // the batch) and of sent (the messages sent but not recorded yet) is extended in one statement and this message
    // is still this lease's.
    public async Task<bool> HoldForSendAsync(
        Notification notification, IReadOnlyList<Notification> unsent, IEnumerable<Notification> sent,
        CancellationToken cancellationToken)
    {
        if (_lost.Contains(notification.Id))
        {
            return false;
        }

        if (HasTimeForSend)
        {
            return true;
        }

        var until = clock.GetUtcNow() + settings.Lease;
        var ids = unsent.Concat(sent).Select(n => n.Id).ToArray();
        var renewed = await db.Database.SqlQuery<Guid>($"""
            UPDATE notifications SET "NextAttemptAt" = {until}
            WHERE "Id" = ANY({ids}) AND "LeaseId" = {lease} AND "Status" = 'queued'
            RETURNING "Id" AS "Value"
            """).ToListAsync(cancellationToken);
        Until = until;
        _lost.UnionWith(ids.Except(renewed));
        return !_lost.Contains(notification.Id);
    }

    // Whether the lease still has time for a whole send (two send timeouts): when not, HoldForSendAsync renews it.
    private bool HasTimeForSend => Until - clock.GetUtcNow() >= 2 * settings.Timeout;

    // Records mails as sent, in one statement (the hottest of delivery: one per batch, not one per mail). Plain SQL,
    // not an expression tree built per call.
    // Answers how many were still this lease's (the others were taken over).
    public Task<int> MarkSentAsync(IReadOnlyCollection<Notification> sent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sent);
        if (sent.Count == 0)
        {
            return Task.FromResult(0);
        }

        var ids = sent.Select(n => n.Id).ToArray();
        return db.Database.ExecuteSqlInterpolatedAsync($"""
            UPDATE notifications SET "Status" = 'sent', "SentAt" = {clock.GetUtcNow()}, "Attempts" = "Attempts" + 1,
                "LastError" = NULL, "LeaseId" = NULL
            WHERE "Id" = ANY({ids}) AND "LeaseId" = {lease} AND "Status" = 'queued'
            """, cancellationToken);
    }

    // Counts the attempt; a permanent failure ends the message, any other is retried after the back-off.
    public async Task<(int Attempts, DateTimeOffset Next)> MarkFailedAttemptAsync(
        Notification notification, bool permanent, string error, CancellationToken cancellationToken)
    {
        var attempts = notification.Attempts + 1;
        var next = clock.GetUtcNow() + settings.RetryDelay(attempts);
        await Mine(notification.Id).ExecuteUpdateAsync(n => n
            .SetProperty(x => x.Status, permanent ? NotificationStatuses.Failed : NotificationStatuses.Queued)
            .SetProperty(x => x.Attempts, attempts)
            .SetProperty(x => x.LastError, error)
            .SetProperty(x => x.NextAttemptAt, next)
            .SetProperty(x => x.LeaseId, (Guid?)null), cancellationToken);
        return (attempts, next);
    }

    // Gives messages that were not tried back to the queue, due at once and without an attempt.
    public Task ReleaseAsync(IEnumerable<Notification> untried, CancellationToken cancellationToken) =>
        ReleaseAsync(untried.Select(n => n.Id), cancellationToken);

    public async Task ReleaseAsync(IEnumerable<Guid> untried, CancellationToken cancellationToken)
    {
        var ids = untried.ToList();
        var now = clock.GetUtcNow();
        await db.Notifications
            .Where(n => ids.Contains(n.Id) && n.LeaseId == lease && n.Status == NotificationStatuses.Queued)
            .ExecuteUpdateAsync(n => n.SetProperty(x => x.NextAttemptAt, now).SetProperty(x => x.LeaseId, (Guid?)null),
                cancellationToken);
    }

    private IQueryable<Notification> Mine(Guid id) =>
        db.Notifications.Where(n => n.Id == id && n.LeaseId == lease && n.Status == NotificationStatuses.Queued);
}
