using Introserv.Notifications.Data;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Notifications.Messages;

// Queues a message in the consumer's transaction; the delivery worker sends it. One event never queues the same
// type to the same recipient twice (checked here, and by a unique index for races).
public static class Outgoing
{
    public static async Task EnqueueAsync(
        NotificationsDbContext db, Guid accountId, Guid eventId, string type, string category, string recipient,
        MailContent content, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(content);
        if (await db.Notifications.AnyAsync(
            n => n.SourceEventId == eventId && n.Type == type && n.Recipient == recipient, cancellationToken))
        {
            return;
        }

        db.Notifications.Add(new Notification
        {
            Id = Guid.CreateVersion7(),
            AccountId = accountId,
            SourceEventId = eventId,
            Type = type,
            Category = category,
            Recipient = recipient,
            Subject = content.Subject,
            TextBody = content.Text,
            HtmlBody = content.Html,
            CreatedAt = now,
            NextAttemptAt = now,
        });
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
