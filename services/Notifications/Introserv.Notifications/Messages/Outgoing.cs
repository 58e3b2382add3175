using Introserv.Notifications.Data;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Notifications.Messages;

// A consumer's inbox row (BuildingBlocks' inbox_messages): the consumer's name and the message it applied.
public sealed record InboxEntry(string Consumer, Guid MessageId, DateTimeOffset At);

// A mail an event queues: for its account, by its event, of a type and category, to one recipient.
public sealed record QueuedMail(
    Guid AccountId, Guid EventId, string Type, string Category, string Recipient, MailContent Content);

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

    // Queues mail for the event a consumer applies, and records the consumer's inbox row, in one statement (so in
    // its own transaction: both or neither). A redelivered message finds its inbox row and inserts nothing; a
    // concurrent duplicate waits on the row's key until the first commits. False when the inbox already had it.
    public static async Task<bool> EnqueueOnceAsync(
        NotificationsDbContext db, InboxEntry inbox, QueuedMail mail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(inbox);
        ArgumentNullException.ThrowIfNull(mail);
        var content = mail.Content;
        // Not composed (a data-modifying WITH must stay at the top level): one row, whether the inbox row was new.
        var recorded = await db.Database.SqlQuery<bool>($"""
            WITH recorded AS (
                INSERT INTO inbox_messages (consumer, message_id, processed_at)
                VALUES ({inbox.Consumer}, {inbox.MessageId}, {inbox.At})
                ON CONFLICT DO NOTHING
                RETURNING message_id),
            queued AS (
                INSERT INTO notifications ("Id", "AccountId", "SourceEventId", "Type", "Category", "Recipient",
                    "Subject", "TextBody", "HtmlBody", "Status", "Attempts", "CreatedAt", "NextAttemptAt")
                SELECT {Guid.CreateVersion7()}, {mail.AccountId}, {mail.EventId}, {mail.Type}, {mail.Category},
                    {mail.Recipient}, {content.Subject}, {content.Text}, {content.Html},
                    {NotificationStatuses.Queued}, 0, {inbox.At}, {inbox.At}
                FROM recorded
                ON CONFLICT ("SourceEventId", "Type", "Recipient") DO NOTHING)
            SELECT EXISTS (SELECT 1 FROM recorded) AS "Value"
            """).ToListAsync(cancellationToken);
        return recorded.Single();
    }

    // Records a consumer's inbox row for a message that asks for nothing else; false when it was there already.
    public static async Task<bool> RecordConsumedAsync(
        NotificationsDbContext db, InboxEntry inbox, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(inbox);
        return await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO inbox_messages (consumer, message_id, processed_at)
            VALUES ({inbox.Consumer}, {inbox.MessageId}, {inbox.At}) ON CONFLICT DO NOTHING
            """, cancellationToken) > 0;
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
