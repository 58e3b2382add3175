using Introserv.Notifications.Data;
using Introserv.Notifications.Delivery;

namespace Introserv.Notifications.Tests;

// What fails a mail for good, what only delays it, and that a slow relay never gets a mail twice.
public sealed class DeliveryRulesTests(ScriptedSmtpNotificationsFactory factory)
    : IClassFixture<ScriptedSmtpNotificationsFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_5xx_refusal_or_an_unwritable_address_fails_for_good_and_a_4xx_only_delays()
    {
        var tag = Guid.NewGuid().ToString("N")[..12];
        var (refused, busy, invalid) = ($"refused{tag}@example.com", $"busy{tag}@example.com", $"not an address {tag}");
        var ids = await factory.EnqueueMailsAsync(refused, busy, invalid);

        var settled = await Eventually.TrueAsync(async () =>
        {
            var rows = await factory.MailRowsAsync(ids);
            return rows[0].Status == NotificationStatuses.Failed
                && rows[2].Status == NotificationStatuses.Failed
                && rows[1].Attempts >= 3;
        }, TimeSpan.FromSeconds(30));
        var after = await factory.MailRowsAsync(ids);

        Assert.True(settled,
            string.Join("; ", after.Select(r => $"{r.Recipient}: {r.Status} {r.Attempts} {r.LastError}")));
        Assert.Equal((NotificationStatuses.Failed, 1), (after[0].Status, after[0].Attempts));
        Assert.Contains("550", after[0].LastError, StringComparison.Ordinal);
        Assert.Equal((NotificationStatuses.Failed, 1), (after[2].Status, after[2].Attempts));
        Assert.Equal(NotificationStatuses.Queued, after[1].Status);
        Assert.Empty(factory.Mail.List(busy));
    }

    [Fact]
    public async Task A_slow_relay_outlasting_a_batch_lease_gets_each_mail_once_from_two_workers()
    {
        // Fifteen sends of 400 ms in one batch take 6 s, more than the 4.5 s lease: the second worker takes over
        // the messages whose lease ran out, and the first must then leave them alone.
        var tag = Guid.NewGuid().ToString("N")[..12];
        var recipients = Enumerable.Range(0, 15).Select(i => $"slow{tag}x{i}@example.com").ToArray();
        using var second = ActivatorUtilities.CreateInstance<DeliveryWorker>(factory.Services);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var ids = await factory.EnqueueMailsAsync(recipients);
        var secondWorker = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested
                && (await factory.MailRowsAsync(ids)).Any(r => r.Status != NotificationStatuses.Sent))
            {
                await second.RunOnceAsync(stop.Token);
                await Task.Delay(100, CancellationToken.None);
            }
        }, CancellationToken.None);

        await secondWorker;
        // Nothing to await here: the first worker may still be inside a send it took before its lease ran out, and
        // the assertion is that it does not send the mail again when that send ends (three sends' time at most).
        await Task.Delay(ScriptedSmtp.SlowDelay * 3);
        var rows = await factory.MailRowsAsync(ids);

        Assert.All(rows, r => Assert.Equal(NotificationStatuses.Sent, r.Status));
        Assert.All(recipients, to => Assert.Single(factory.Mail.List(to)));
    }

    [Fact]
    public async Task A_burst_goes_out_over_several_connections_each_mail_exactly_once()
    {
        var tag = Guid.NewGuid().ToString("N")[..12];
        var recipients = Enumerable.Range(0, 150).Select(i => $"burst{tag}x{i}@example.com").ToArray();

        var ids = await factory.EnqueueMailsAsync(recipients);
        var sent = await Eventually.TrueAsync(
            async () => (await factory.MailRowsAsync(ids)).All(r => r.Status == NotificationStatuses.Sent),
            TimeSpan.FromSeconds(60));
        // Every mail is sent; a duplicate, if any, would be a second send still under way: give it time to land.
        await Task.Delay(500);

        var rows = await factory.MailRowsAsync(ids);
        Assert.True(sent, $"{rows.Count(r => r.Status == NotificationStatuses.Sent)} of 150 sent");
        Assert.All(rows, r => Assert.Equal(1, r.Attempts));
        Assert.All(recipients, to => Assert.Single(factory.Mail.List(to)));
    }
}
