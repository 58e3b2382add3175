using System.Diagnostics;
using Npgsql;

namespace Introserv.Bench.Panel;

// What the stack still has to do after the last order was answered: Orders' events not yet published (its outbox)
// and mails not yet delivered (Notifications' queue). Events in flight in RabbitMQ are seen through the mail rows
// they create: the work is done when nothing is pending and no new mail row has appeared for a while.
internal sealed record Drained(TimeSpan After, long MostPending, long MailsCreated, bool TimedOut);

internal sealed class Backlog(string postgres, IReadOnlyList<Guid> accounts)
{
    // Only the benchmark's customers' mails count (the notifications table keeps every mail ever sent; its
    // (AccountId, Sequence) index answers these questions for a few accounts without reading the rest).
    private readonly Guid[] _accounts = [.. accounts];

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(200);

    // Quiet polls in a row (nothing pending, no new mail row) that count as drained; the first of them is the time.
    private const int QuietPolls = 5;

    // The newest mail row and the time, before a step: what the step adds is counted from there (older rows and
    // events, such as a mail that waits for a retry, are not the step's).
    public async Task<(long LastMail, DateTimeOffset At)> MarkAsync() =>
        (await ScalarAsync("introserv_notifications", LastMailSql, null), DateTimeOffset.UtcNow);

    private const string LastMailSql =
        "SELECT coalesce(max(\"Sequence\"), 0) FROM notifications WHERE \"AccountId\" = ANY(@accounts)";

    private async Task<(long Pending, long LastMail)> ReadAsync((long LastMail, DateTimeOffset At) mark)
    {
        var outbox = await ScalarAsync(
            "introserv_orders", "SELECT count(*) FROM outbox_messages WHERE sent_at IS NULL AND created_at >= @since",
            mark.At);
        var queued = await ScalarAsync("introserv_notifications",
            "SELECT count(*) FROM notifications WHERE \"AccountId\" = ANY(@accounts) AND \"Status\" = 'queued' " +
            $"AND \"Sequence\" > {mark.LastMail}", null);
        var lastMail = await ScalarAsync("introserv_notifications", LastMailSql, null);
        return (outbox + queued, lastMail);
    }

    // Waits until the work the step left behind is done (at most the timeout) and says how long after `since` (a
    // Stopwatch timestamp: the last answer) that was.
    public async Task<Drained> WaitAsync((long LastMail, DateTimeOffset At) mark, long since, TimeSpan timeout)
    {
        var most = 0L;
        var quiet = 0;
        var quietSince = 0L;
        var lastMail = -1L;
        var deadline = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var now = Stopwatch.GetTimestamp();
            var (pending, mail) = await ReadAsync(mark);
            most = Math.Max(most, pending);
            if (pending > 0)
            {
                quiet = 0;
            }
            else if (quiet == 0 || mail != lastMail)
            {
                // Nothing pending; a new mail row since the last poll starts the quiet time again.
                quiet = 1;
                quietSince = now;
            }
            else if (++quiet >= QuietPolls)
            {
                return new Drained(
                    Stopwatch.GetElapsedTime(since, Math.Max(since, quietSince)), most, mail - mark.LastMail, false);
            }

            lastMail = mail;
            await Task.Delay(Poll);
        }

        return new Drained(timeout, most, lastMail - mark.LastMail, true);
    }

    private async Task<long> ScalarAsync(string database, string sql, DateTimeOffset? since)
    {
        var builder = new NpgsqlConnectionStringBuilder(postgres) { Database = database, Pooling = true };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        if (since is { } at)
        {
            command.Parameters.AddWithValue("since", at);
        }

        if (sql.Contains("@accounts", StringComparison.Ordinal))
        {
            command.Parameters.AddWithValue("accounts", _accounts);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
