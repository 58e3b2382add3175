using System.Collections.Concurrent;
using System.Data.Common;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Contracts;
using Introserv.Notifications.Data;
using Introserv.Orders.Contracts;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Npgsql;

namespace Introserv.Notifications.Tests;

// The database fails just after mails went out, when the batch's sends are recorded (a restart, a failover): they are
// recorded as sent once it answers again, without going out again, and the lane goes on at once, not when the
// two-minute lease of the failed batch runs out.
public sealed class DatabaseFailureDeliveryTests(FailingDatabaseNotificationsFactory factory)
    : IClassFixture<FailingDatabaseNotificationsFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_mail_sent_just_before_the_database_fails_is_recorded_once_and_its_batch_goes_on()
    {
        var tag = Guid.NewGuid().ToString("N")[..12];
        var recipients = Enumerable.Range(0, 3).Select(i => $"dbfail{tag}x{i}@example.com").ToArray();
        var rows = NotificationsServiceFactory.NewMails(recipients);
        // Recording the sends (the first mail among them) fails three times: the database is gone just after them.
        factory.Failures.FailMarkSent(rows[0].Id, times: 3);

        await factory.AddMailsAsync(rows);
        var ids = rows.Select(r => r.Id).ToArray();
        var sent = await Eventually.TrueAsync(
            async () => (await factory.MailRowsAsync(ids)).All(r => r.Status == NotificationStatuses.Sent),
            TimeSpan.FromSeconds(20));
        // A second send of the first mail would come with the next claims: give it time to show.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var after = await factory.MailRowsAsync(ids);

        Assert.True(sent, string.Join("; ", after.Select(r => $"{r.Recipient}: {r.Status} {r.Attempts}")));
        Assert.Equal(0, factory.Failures.RemainingFor(rows[0].Id));
        Assert.All(after, r => Assert.Equal(1, r.Attempts));
        Assert.All(after, r => Assert.Null(r.LeaseId));
        Assert.All(recipients, to => Assert.Single(factory.Mail.List(to)));
    }

    // In the middle of a batch, the relay refuses a mail for good and recording that refusal fails (the database went
    // away): the batch stops there. The mail sent before it is recorded once the database answers, and the refused
    // mail and the one after it, which the lane still holds, are taken back by its next batch at once (not after the
    // two-minute lease): each mail goes out once, and the refusal is recorded.
    [Fact]
    public async Task A_database_failure_in_the_middle_of_a_batch_loses_no_mail_and_sends_none_twice()
    {
        var tag = Guid.NewGuid().ToString("N")[..12];
        var recipients = new[] { $"before{tag}@example.com", $"refused{tag}@example.com", $"after{tag}@example.com" };
        var rows = NotificationsServiceFactory.NewMails(recipients);
        factory.Failures.FailAttemptRecord(rows[1].Id, times: 1);

        await factory.AddMailsAsync(rows);
        var ids = rows.Select(r => r.Id).ToArray();
        var settled = await Eventually.TrueAsync(
            async () => (await factory.MailRowsAsync(ids)).All(r => r.Status != NotificationStatuses.Queued),
            TimeSpan.FromSeconds(20));
        // A second send of a mail would come with the next claims: give it time to show.
        await Task.Delay(TimeSpan.FromSeconds(2));
        var after = await factory.MailRowsAsync(ids);

        Assert.True(settled, string.Join("; ", after.Select(r => $"{r.Recipient}: {r.Status} {r.Attempts}")));
        Assert.Equal(0, factory.Failures.AttemptRecordFailuresLeft(rows[1].Id));
        Assert.Equal(
            [(NotificationStatuses.Sent, 1), (NotificationStatuses.Failed, 1), (NotificationStatuses.Sent, 1)],
            ids.Select(id => after.Single(r => r.Id == id)).Select(r => (r.Status, r.Attempts)));
        Assert.All(after, r => Assert.Null(r.LeaseId));
        Assert.Single(factory.Mail.List(recipients[0]));
        Assert.Empty(factory.Mail.List(recipients[1]));
        Assert.Single(factory.Mail.List(recipients[2]));
    }

    // The statement that records an event's inbox row and queues its mail fails twice: before it reached the database
    // (nothing written), or after it committed with the answer lost (a retry finds the inbox row). Either way the
    // message is retried and the event makes one mail and one inbox row.
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_event_mail_whose_statement_fails_before_or_after_it_commits_is_queued_once(bool afterCommit)
    {
        var accountId = Guid.NewGuid();
        var email = $"stmt{accountId:N}@example.com";
        await factory.PublishAsync(new AccountRegistered(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, $"s{accountId:N}"[..20], email, "Ana", "Lee"));
        await factory.MailsToAsync(email);
        var placed = new OrderPlaced(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, Guid.NewGuid(), "vps-s", 1, 9.90m, "EUR");
        factory.Failures.FailEventMail(placed.EventId, afterCommit, times: 2);

        var placedMessage = await factory.PublishAsync(placed);
        await factory.MailsToAsync(email, count: 2);
        // After a commit the mail goes out at once, while the failed message still waits for its retries.
        var retried = await Eventually.TrueAsync(
            () => Task.FromResult(factory.Failures.RemainingFor(placed.EventId) == 0), TimeSpan.FromSeconds(30));
        await factory.SettledAsync();

        Assert.True(retried, "The failing statement was not retried twice");
        Assert.Equal(2, factory.Mail.List(email).Count);
        Assert.Single(
            await factory.NotificationsOfAsync(accountId), n => n.SourceEventId == placed.EventId);
        // Other test classes' OrderPlaced events reach this host's consumer too: only this event's rows are counted.
        Assert.Equal(1, await factory.QueryAsync(db => db.Set<InboxMessage>().CountAsync(m =>
            m.Consumer == "Introserv.Notifications.Consumers.OrderPlacedConsumer" && m.MessageId == placedMessage)));
    }
}

// Notifications with the default (two-minute) lease, a database that can be made to fail chosen statements, and the
// scripted relay (refused…@ gets 550).
public sealed class FailingDatabaseNotificationsFactory : NotificationsServiceFactory
{
    public DatabaseFailures Failures { get; } = new();

    protected override Microsoft.Extensions.Hosting.BackgroundService CreateSmtpServer() =>
        new ScriptedSmtp(Mail, SmtpPort);

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
            services.ConfigureDbContext<NotificationsDbContext>(options => options.AddInterceptors(Failures)));
    }
}

// Fails the statement that marks a chosen notification sent, after it reached the database's connection, the way a
// connection dropped by a restarting server fails it.
public sealed class DatabaseFailures : DbCommandInterceptor
{
    private readonly ConcurrentDictionary<Guid, int> _remaining = new();
    private readonly ConcurrentDictionary<Guid, bool> _afterCommit = new();
    private readonly ConcurrentDictionary<Guid, int> _attemptRecords = new();

    // Fails the statement that records a failed attempt to send the chosen notification, times times.
    public void FailAttemptRecord(Guid notificationId, int times) => _attemptRecords[notificationId] = times;

    public int AttemptRecordFailuresLeft(Guid notificationId) => _attemptRecords.GetValueOrDefault(notificationId);

    public void FailMarkSent(Guid notificationId, int times) => _remaining[notificationId] = times;

    public int RemainingFor(Guid notificationId) => _remaining.GetValueOrDefault(notificationId);

    // Fails the statement that records the inbox row and queues the mail of the event eventId, times times: before
    // it is sent, or after the database ran it (committed, since it is its own transaction).
    public void FailEventMail(Guid eventId, bool afterCommit, int times)
    {
        _afterCommit[eventId] = afterCommit;
        _remaining[eventId] = times;
    }

    public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result,
        CancellationToken cancellationToken = default)
    {
        if (TakeEventMailFailure(command, afterCommit: false))
        {
            throw new NpgsqlException("Exception while writing to stream (the test's database failure)");
        }

        return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
    }

    public override async ValueTask<DbDataReader> ReaderExecutedAsync(
        DbCommand command, CommandExecutedEventData eventData, DbDataReader result,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (TakeEventMailFailure(command, afterCommit: true))
        {
            // The statement ran to its end (the reader reads its answer to the end), and its answer is lost.
            await result.DisposeAsync();
            throw new NpgsqlException("Exception while reading from stream (the test's database failure)");
        }

        return await base.ReaderExecutedAsync(command, eventData, result, cancellationToken);
    }

    public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
        DbCommand command, CommandEventData eventData, InterceptionResult<int> result,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (command.CommandText.Contains("\"LastError\"", StringComparison.Ordinal)
            && command.Parameters.Cast<DbParameter>().Any(p => p.Value is Guid id
                && _attemptRecords.TryGetValue(id, out var times) && times > 0
                && _attemptRecords.TryUpdate(id, times - 1, times)))
        {
            throw new NpgsqlException("Exception while writing to stream (the test's database failure)");
        }

        if (command.CommandText.Contains("\"Status\" = 'sent'", StringComparison.Ordinal))
        {
            // The sends of a batch are recorded in one statement, their ids in one array.
            var ids = command.Parameters.Cast<DbParameter>()
                .SelectMany(p => p.Value switch { Guid id => [id], Guid[] many => many, _ => Array.Empty<Guid>() });
            foreach (var id in ids)
            {
                if (_remaining.TryGetValue(id, out var left) && left > 0 && _remaining.TryUpdate(id, left - 1, left))
                {
                    throw new NpgsqlException("Exception while reading from stream (the test's database failure)");
                }
            }
        }

        return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
    }

    private bool TakeEventMailFailure(DbCommand command, bool afterCommit)
    {
        ArgumentNullException.ThrowIfNull(command);
        if (!command.CommandText.Contains("WITH recorded AS", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (DbParameter parameter in command.Parameters)
        {
            if (parameter.Value is Guid id && _afterCommit.TryGetValue(id, out var after) && after == afterCommit
                && _remaining.TryGetValue(id, out var left) && left > 0 && _remaining.TryUpdate(id, left - 1, left))
            {
                return true;
            }
        }

        return false;
    }
}
