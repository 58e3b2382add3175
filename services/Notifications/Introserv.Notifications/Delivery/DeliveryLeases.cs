using Introserv.Notifications.Data;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Notifications.Delivery;

/// <summary>
/// One worker's claim on a batch of notifications. Every write after the claim is conditional on the claim
/// (<see cref="Notification.LeaseId"/>) still being this one: a worker whose lease ran out changes nothing.
/// </summary>
internal sealed class DeliveryLeases(NotificationsDbContext db, Guid lease, SmtpOptions settings, TimeProvider clock)
{
    public async Task<List<Notification>> ClaimAsync(int batchSize, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var until = now + settings.Lease;
        return await db.Notifications.FromSqlInterpolated($"""
            UPDATE notifications SET "NextAttemptAt" = {until}, "LeaseId" = {lease}
            WHERE "Id" IN (SELECT "Id" FROM notifications WHERE "Status" = 'queued' AND "NextAttemptAt" <= {now}
                           ORDER BY "NextAttemptAt" LIMIT {batchSize} FOR UPDATE SKIP LOCKED)
            RETURNING *
            """).AsNoTracking().ToListAsync(cancellationToken);
    }

    /// <summary>Extends the lease for one send; false when another worker has taken the message meanwhile.</summary>
    public async Task<bool> RenewAsync(Notification notification, CancellationToken cancellationToken)
    {
        var until = clock.GetUtcNow() + settings.Lease;
        return await Mine(notification.Id).ExecuteUpdateAsync(n => n.SetProperty(x => x.NextAttemptAt, until), cancellationToken) == 1;
    }

    public async Task MarkSentAsync(Notification notification, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await Mine(notification.Id).ExecuteUpdateAsync(n => n
            .SetProperty(x => x.Status, NotificationStatuses.Sent)
            .SetProperty(x => x.SentAt, now)
            .SetProperty(x => x.Attempts, x => x.Attempts + 1)
            .SetProperty(x => x.LastError, (string?)null)
            .SetProperty(x => x.LeaseId, (Guid?)null), cancellationToken);
    }

    /// <summary>Counts the attempt; a permanent failure ends the message, any other is retried after the back-off.</summary>
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

    /// <summary>Gives messages that were not tried back to the queue, due at once and without an attempt.</summary>
    public async Task ReleaseAsync(IEnumerable<Notification> untried, CancellationToken cancellationToken)
    {
        var ids = untried.Select(n => n.Id).ToList();
        var now = clock.GetUtcNow();
        await db.Notifications.Where(n => ids.Contains(n.Id) && n.LeaseId == lease && n.Status == NotificationStatuses.Queued)
            .ExecuteUpdateAsync(n => n.SetProperty(x => x.NextAttemptAt, now).SetProperty(x => x.LeaseId, (Guid?)null), cancellationToken);
    }

    private IQueryable<Notification> Mine(Guid id) =>
        db.Notifications.Where(n => n.Id == id && n.LeaseId == lease && n.Status == NotificationStatuses.Queued);
}
