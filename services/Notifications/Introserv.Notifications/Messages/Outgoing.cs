using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Notifications.Data;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Notifications.Messages;

// A mail an event queues: for its account, by its event, of a type and category, to one recipient.
public sealed record QueuedMail(
    Guid AccountId, Guid EventId, string Type, string Category, string Recipient, MailContent Content);

// Queues a message (written at once, one statement); the delivery worker sends it. One event never queues the same
// type to the same recipient twice: the unique index on (SourceEventId, Type, Recipient) turns a second one, or a
// racing one, into nothing.
public static class Outgoing
{
    // Queues in the caller's transaction if there is one.
    public static async Task EnqueueAsync(
        NotificationsDbContext db, Guid accountId, Guid eventId, string type, string category, string recipient,
        MailContent content, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(content);
        await db.Database.ExecuteSqlAsync(
            Insert(new QueuedMail(accountId, eventId, type, category, recipient, content), now, $""),
            cancellationToken);
    }

    // Queues mail for the event a consumer applies, and records the consumer's inbox row, in one statement (both or
    // neither; see Inbox.RecordWithAsync). False when the inbox already had it: nothing was queued.
    public static Task<bool> EnqueueOnceAsync(
        NotificationsDbContext db, InboxEntry inbox, QueuedMail mail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inbox);
        ArgumentNullException.ThrowIfNull(mail);
        return Inbox.RecordWithAsync(db, inbox, Insert(mail, inbox.At, $"FROM recorded"), cancellationToken);
    }

    // The insert of one queued mail, its values selected from source (nothing, or the rows of a WITH).
    private static FormattableString Insert(QueuedMail mail, DateTimeOffset now, FormattableString source)
    {
        var content = mail.Content;
        return SqlText.Join(
            $"""
            INSERT INTO notifications ("Id", "AccountId", "SourceEventId", "Type", "Category", "Recipient", "Subject",
                "TextBody", "HtmlBody", "Status", "Attempts", "CreatedAt", "NextAttemptAt")
            SELECT {Guid.CreateVersion7()}, {mail.AccountId}, {mail.EventId}, {mail.Type}, {mail.Category},
                {mail.Recipient}, {content.Subject}, {content.Text}, {content.Html}, {NotificationStatuses.Queued}, 0,
                {now}, {now}

            """,
            source,
            $"""

            ON CONFLICT ("SourceEventId", "Type", "Recipient") DO NOTHING
            """);
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
