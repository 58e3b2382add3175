extern alias devmail;
using System.Collections.Concurrent;
using System.Net.Sockets;
using devmail::Introserv.Notifications.DevMail;
using Introserv.BuildingBlocks.Hosting;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Notifications.Data;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Npgsql;

namespace Introserv.Notifications.Tests;

// The Notifications service in-process against the real local PostgreSQL (own database) and RabbitMQ (queues of its
// own), sending over SMTP to a real SMTP server in the test (the development mail catcher's).
public class NotificationsServiceFactory() : ServiceFactory<Program>(ResourceNames.NotificationsDb, "notifications")
{
    private readonly ConcurrentBag<Guid> _published = [];
    private Microsoft.Extensions.Hosting.BackgroundService? _smtp;

    public int SmtpPort { get; } = FreePort();

    // The key webhook signing secrets are encrypted under in this run.
    public static string WebhookSecretKey { get; } =
        Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    public MailInbox Mail { get; } = new();

    // Whether the SMTP server runs from the start (the outage test starts it later).
    protected virtual bool SmtpUpAtStart => true;

    // A virtual host of its own: Profile's test host would otherwise answer the AccountRegistered events published
    // here with email-confirmation requests, and their mails would reach these tests' addresses.
    protected override string RabbitMq => LocalInfra.Current.RabbitMqVirtualHost("introserv-tests-notifications");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Messaging:RetryMinInterval", "00:00:00.200");
        builder.UseSetting("Smtp:Host", "127.0.0.1");
        builder.UseSetting("Smtp:Port", $"{SmtpPort}");
        builder.UseSetting("Smtp:Security", "None");
        builder.UseSetting("Smtp:PollInterval", "00:00:00.200");
        builder.UseSetting("Smtp:FirstRetryDelay", "00:00:01");
        builder.UseSetting("Smtp:MaxRetryDelay", "00:00:02");
        builder.UseSetting("Notifications:PanelUrl", "https://panel.test/");
        builder.UseSetting("Webhooks:SecretKey", WebhookSecretKey);
        // No webhook recording here (one queue bound to every event less per test class): the webhook tests run a host
        // of their own, in a virtual host of their own (WebhookNotificationsFactory).
        builder.UseSetting("Webhooks:Enabled", "false");
        builder.ConfigureTestServices(services =>
        {
            services.TrustTestTokens();
            services.AddSingleton<IOperationConfirmation>(Confirmation);
        });
    }

    // Identity's confirmation policy as the tests script it.
    public ScriptedOperationConfirmation Confirmation { get; } = new();

    public HttpClient Customer(Guid accountId, string role) => Api(TestTokens.For(accountId, role));

    // Publishes message and returns its message id, the one its inbox rows carry (every test host of this process
    // that consumes the type gets a copy of what another publishes: counting by id counts only this one's).
    public Task<Guid> PublishAsync<T>(T message)
        where T : class => PublishAsync(message, typeof(T), times: 1);

    // Publishes one message times times at once under one message id, as a broker redelivering it would.
    public Task<Guid> PublishRepeatedAsync<T>(T message, int times)
        where T : class => PublishAsync(message, typeof(T), times);

    // Publishes message as its runtime type (an event taken from a list of several types).
    public Task<Guid> PublishEventAsync(object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return PublishAsync(message, message.GetType(), times: 1);
    }

    private async Task<Guid> PublishAsync(object message, Type type, int times)
    {
        var messageId = NewId.NextGuid();
        _published.Add(messageId);
        await Task.WhenAll(Enumerable.Range(0, times).Select(_ => PublishConfirmedAsync(message, type, messageId)));
        return messageId;
    }

    // A reset empties the inbox too: what earlier tests published is no longer waited for.
    protected override Task AfterResetAsync(NpgsqlConnection connection)
    {
        _published.Clear();
        return Task.CompletedTask;
    }

    // Waits until every message published here was consumed, no mail is waiting to be sent and the inbox is still:
    // what a test asserts after this (that no further mail came) no longer depends on how long it slept.
    public async Task SettledAsync(TimeSpan? timeout = null)
    {
        var lastSeen = -1;
        var settled = await Eventually.TrueAsync(
            async () =>
            {
                var ids = _published.ToArray();
                var (consumed, seen, waiting) = await QueryAsync(async db => (
                    await db.Set<InboxMessage>().Where(m => ids.Contains(m.MessageId)).Select(m => m.MessageId)
                        .Distinct().CountAsync(),
                    await db.Set<InboxMessage>().CountAsync(),
                    await db.Notifications.CountAsync(n => n.Status == NotificationStatuses.Queued)));
                var still = seen == lastSeen;
                lastSeen = seen;
                return consumed == ids.Length && waiting == 0 && still;
            },
            timeout ?? TimeSpan.FromSeconds(30));
        Assert.True(
            settled, "Notifications did not settle: a published message was not consumed or a mail still waits");
    }

    // Waits until count mails to to arrived; returns them oldest first.
    public async Task<IReadOnlyList<CaughtMail>> MailsToAsync(string to, int count = 1, TimeSpan? timeout = null)
    {
        var mails = await Eventually.ValueAsync(
            () => Task.FromResult(Mail.List(to)), m => m.Count >= count, timeout ?? TimeSpan.FromSeconds(20));
        return [.. mails.Reverse()];
    }

    public Task<T> QueryAsync<T>(Func<NotificationsDbContext, Task<T>> query) =>
        QueryAsync<NotificationsDbContext, T>(query);

    public Task<List<Notification>> NotificationsOfAsync(Guid accountId) =>
        QueryAsync(db => db.Notifications
            .AsNoTracking()
            .Where(n => n.AccountId == accountId)
            .OrderBy(n => n.Sequence)
            .ToListAsync());

    // Queues one mail to each recipient, due at once, in the order given; returns their ids in that order.
    public async Task<Guid[]> EnqueueMailsAsync(params string[] recipients)
    {
        var rows = NewMails(recipients);
        await AddMailsAsync(rows);
        return [.. rows.Select(r => r.Id)];
    }

    // One mail to each recipient, due at once, in the order given (not stored yet).
    public static Notification[] NewMails(params string[] recipients)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        var now = DateTimeOffset.UtcNow;
        return [.. recipients.Select((to, i) => new Notification
        {
            Id = Guid.CreateVersion7(),
            AccountId = Guid.NewGuid(),
            SourceEventId = Guid.NewGuid(),
            Type = "delivery_test",
            Category = "account",
            Recipient = to,
            Subject = "Delivery test",
            TextBody = "text",
            HtmlBody = "<p>text</p>",
            CreatedAt = now,
            NextAttemptAt = now.AddMilliseconds(i - recipients.Length),
        })];
    }

    public Task AddMailsAsync(IEnumerable<Notification> rows) => QueryAsync(db =>
    {
        db.Notifications.AddRange(rows);
        return db.SaveChangesAsync();
    });

    // The rows of ids, in the order of ids.
    public async Task<List<Notification>> MailRowsAsync(Guid[] ids)
    {
        var rows = await QueryAsync(db =>
            db.Notifications.AsNoTracking().Where(n => ids.Contains(n.Id)).ToListAsync());
        return [.. ids.Select(id => rows.Single(r => r.Id == id))];
    }

    public Task StartSmtpAsync()
    {
        _smtp = CreateSmtpServer();
        return _smtp.StartAsync(CancellationToken.None);
    }

    // The SMTP server the service sends to (the development mail catcher's, unless a test needs another).
    protected virtual Microsoft.Extensions.Hosting.BackgroundService CreateSmtpServer() =>
        new SmtpListener(Mail, TimeProvider.System, SmtpPort);

    public override async Task InitializeAsync()
    {
        if (SmtpUpAtStart)
        {
            await StartSmtpAsync();
        }

        await base.InitializeAsync();
    }

    protected override async Task OnStoppedAsync()
    {
        if (_smtp is not null)
        {
            await _smtp.StopAsync(CancellationToken.None);
            _smtp.Dispose();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

// The same service while its SMTP relay is down at first; it retries every 100..300 ms.
public sealed class SmtpDownNotificationsFactory : NotificationsServiceFactory
{
    protected override bool SmtpUpAtStart => false;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Smtp:FirstRetryDelay", "00:00:00.100");
        builder.UseSetting("Smtp:MaxRetryDelay", "00:00:00.300");
    }
}
