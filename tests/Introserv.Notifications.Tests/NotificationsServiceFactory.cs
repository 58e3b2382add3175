extern alias devmail;

using System.Net;
using System.Net.Sockets;
using devmail::Introserv.Notifications.DevMail;
using Introserv.Notifications.Data;
using Introserv.ServiceDefaults;
using Introserv.Testing;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Introserv.Notifications.Tests;

// The Notifications service in-process against the real local PostgreSQL (own database) and RabbitMQ (queues of its
// own), sending over SMTP to a real SMTP server in the test (the development mail catcher's).
public class NotificationsServiceFactory() : ServiceFactory<Program>(ResourceNames.NotificationsDb, "notifications")
{
    private Microsoft.Extensions.Hosting.BackgroundService? _smtp;

    public int SmtpPort { get; } = FreePort();

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
        builder.ConfigureTestServices(services => services.TrustTestTokens());
    }

    public HttpClient Customer(Guid accountId, string role) => Api(TestTokens.For(accountId, role));

    public Task PublishAsync<T>(T message)
        where T : class => Services.GetRequiredService<IBus>().Publish(message);

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
