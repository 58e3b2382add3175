using Introserv.Notifications.Data;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Notifications.Consumers;

// Finds the settings of an event's account; an event about an unknown account is retried (its AccountRegistered
// may still be on the way).
internal static class SettingsLookup
{
    public static async Task<NotificationSettings> RequireAsync(
        NotificationsDbContext db, Guid accountId, CancellationToken cancellationToken) =>
        await db.Settings.FirstOrDefaultAsync(s => s.AccountId == accountId, cancellationToken)
        ?? throw new InvalidOperationException($"No notification settings for account {accountId} yet.");
}
