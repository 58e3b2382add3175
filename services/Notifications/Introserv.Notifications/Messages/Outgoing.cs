using Introserv.Notifications.Data;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Notifications.Messages;

// Queues a message in the caller's transaction (written at once, one statement); the delivery worker sends it. One
// event never queues the same type to the same recipient twice: the unique index on (SourceEventId, Type, Recipient)
// turns a second one, or a racing one, into nothing.
public static class Outgoing
{
    public static async Task EnqueueAsync(
        NotificationsDbContext db, Guid accountId, Guid eventId, string type, string category, string recipient,
        MailContent content, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(content);
        await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO notifications ("Id", "AccountId", "SourceEventId", "Type", "Category", "Recipient", "Subject",
                "TextBody", "HtmlBody", "Status", "Attempts", "CreatedAt", "NextAttemptAt")
            VALUES ({Guid.CreateVersion7()}, {accountId}, {eventId}, {type}, {category}, {recipient}, {content.Subject},
                {content.Text}, {content.Html}, {NotificationStatuses.Queued}, 0, {now}, {now})
            ON CONFLICT ("SourceEventId", "Type", "Recipient") DO NOTHING
            """, cancellationToken);
    }

    // The address of category in the account's settings.
    public static string AddressFor(NotificationSettings settings, string category)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return category switch
        {
            Categories.InvoicesOrders => settings.InvoicesOrdersEmail,
            Categories.Support => settings.SupportEmail,
            Categories.Complaints => settings.ComplaintsEmail,
            _ => settings.AccountEmail,
        };
    }
}
