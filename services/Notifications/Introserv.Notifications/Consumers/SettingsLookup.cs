using Introserv.Notifications.Data;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Notifications.Consumers;

// Finds the settings of an event's account; an event about an unknown account is retried (its AccountRegistered
// may still be on the way).
internal static class SettingsLookup
{
    private static readonly Func<NotificationsDbContext, Guid, CancellationToken, Task<NotificationSettings?>>
        Untracked = EF.CompileAsyncQuery((NotificationsDbContext db, Guid accountId, CancellationToken _) =>
            db.Settings.AsNoTracking().FirstOrDefault(s => s.AccountId == accountId));

    public static async Task<NotificationSettings> RequireAsync(
        NotificationsDbContext db, Guid accountId, CancellationToken cancellationToken) =>
        await db.Settings.FirstOrDefaultAsync(s => s.AccountId == accountId, cancellationToken)
        ?? throw NotYet(accountId);

    // The same, untracked, for a consumer that only reads them (one compiled query).
    public static async Task<NotificationSettings> ReadAsync(
        NotificationsDbContext db, Guid accountId, CancellationToken cancellationToken) =>
        await Untracked(db, accountId, cancellationToken) ?? throw NotYet(accountId);

    internal static InvalidOperationException NotYet(Guid accountId) =>
        new($"No notification settings for account {accountId} yet.");
}
