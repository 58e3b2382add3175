using Introserv.BuildingBlocks.Data;
using Microsoft.EntityFrameworkCore;

namespace Introserv.BuildingBlocks.Messaging;

// A consumer's inbox row: the consumer's name, the message it applied and when.
public sealed record InboxEntry(string Consumer, Guid MessageId, DateTimeOffset At);

// The inbox (inbox_messages, keyed by consumer and message id) written in SQL. A row is inserted once: a redelivered
// message finds it and inserts nothing, and a concurrent duplicate waits on its key until the first commits.
public static class Inbox
{
    // Records entry, in the caller's transaction if there is one; false when it was there already.
    public static async Task<bool> RecordAsync(DbContext db, InboxEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(entry);
        return await db.Database.ExecuteSqlAsync(Insert(entry), cancellationToken) > 0;
    }

    // Records entry and applies effect in one statement, so in its own transaction: both or neither, and no
    // transaction round trips. effect is a data-modifying statement that reads the new inbox row as "recorded"
    // ("INSERT INTO … SELECT … FROM recorded"), so it changes nothing when the row was there already. False then.
    public static async Task<bool> RecordWithAsync(
        DbContext db, InboxEntry entry, FormattableString effect, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentNullException.ThrowIfNull(effect);
        // Not composed (a data-modifying WITH must stay at the top level): one row, whether the inbox row was new.
        var recorded = await db.Database.SqlQuery<bool>(SqlText.Join(
                $"WITH recorded AS (",
                Insert(entry),
                $" RETURNING message_id), applied AS (",
                effect,
                $"""
                ) SELECT EXISTS (SELECT 1 FROM recorded) AS "Value"
                """))
            .ToListAsync(cancellationToken);
        return recorded.Single();
    }

    private static FormattableString Insert(InboxEntry entry) => $"""
        INSERT INTO inbox_messages (consumer, message_id, processed_at)
        VALUES ({entry.Consumer}, {entry.MessageId}, {entry.At}) ON CONFLICT DO NOTHING
        """;
}
