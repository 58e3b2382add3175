using Introserv.Notifications.Data;
using Introserv.Notifications.Delivery;
using Microsoft.Extensions.Hosting;

namespace Introserv.Notifications.Tests;

// A worker stopped in the middle of a batch (a deployment, a scale-in): the send under way finishes, every mail that
// went out is recorded as sent (a batch's sends are otherwise recorded together when it ends), and the mails it had
// not sent go back to the queue at once, not after their two-minute lease. Started again, it sends each of the rest
// once.
public sealed class DeliveryStopTests(SlowRelayNotificationsFactory factory)
    : IClassFixture<SlowRelayNotificationsFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_worker_stopped_mid_batch_records_what_it_sent_and_gives_back_the_rest()
    {
        var tag = Guid.NewGuid().ToString("N")[..12];
        // Ten sends of 400 ms in one batch: the stop comes while the batch is under way.
        var recipients = Enumerable.Range(0, 10).Select(i => $"slow{tag}x{i}@example.com").ToArray();
        var worker = factory.Services.GetRequiredService<DeliveryWorker>();
        var ids = await factory.EnqueueMailsAsync(recipients);
        var someSent = await Eventually.TrueAsync(
            () => Task.FromResult(recipients.Count(to => factory.Mail.List(to).Count > 0) >= 3),
            TimeSpan.FromSeconds(20));

        await worker.StopAsync(CancellationToken.None);
        var stopped = await factory.MailRowsAsync(ids);
        var delivered = recipients.Where(to => factory.Mail.List(to).Count > 0).ToHashSet();
        // A send cut off in the middle would still land at the relay, after the stop.
        await Task.Delay(ScriptedSmtp.SlowDelay * 2);
        var deliveredLater = recipients.Count(to => factory.Mail.List(to).Count > 0);
        try
        {
            Assert.True(someSent, "No mail went out");
            Assert.InRange(delivered.Count, 3, recipients.Length - 1);
            Assert.Equal(delivered.Count, deliveredLater);
            Assert.All(stopped, r => Assert.Equal(
                delivered.Contains(r.Recipient) ? NotificationStatuses.Sent : NotificationStatuses.Queued, r.Status));
            Assert.All(stopped, r => Assert.Null(r.LeaseId));
            Assert.All(stopped.Where(r => r.Status == NotificationStatuses.Queued), r => Assert.Equal(0, r.Attempts));
        }
        finally
        {
            await worker.StartAsync(CancellationToken.None);
        }

        var allSent = await Eventually.TrueAsync(
            async () => (await factory.MailRowsAsync(ids)).All(r => r.Status == NotificationStatuses.Sent),
            TimeSpan.FromSeconds(20));
        // A second send of a mail recorded before the stop would come with the next claims: give it time to show.
        await Task.Delay(ScriptedSmtp.SlowDelay * 3);

        var rows = await factory.MailRowsAsync(ids);
        Assert.True(allSent, string.Join("; ", rows.Select(r => $"{r.Recipient}: {r.Status}")));
        Assert.All(recipients, to => Assert.Single(factory.Mail.List(to)));
        Assert.All(rows, r => Assert.Equal(1, r.Attempts));
    }
}

// The service sending to ScriptedSmtp with the default send timeout and lease (two minutes: a batch of slow mails is
// never renewed, so what the stop records is the stop's doing).
public sealed class SlowRelayNotificationsFactory : NotificationsServiceFactory
{
    protected override BackgroundService CreateSmtpServer() => new ScriptedSmtp(Mail, SmtpPort);
}
