using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using Introserv.Notifications.Data;
using Introserv.Notifications.DevMail;
using Introserv.ServiceDefaults;
using Introserv.Testing;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Introserv.IntegrationTests.Notifications;

/// <summary>
/// The Notifications service in-process against the real local PostgreSQL (own database) and RabbitMQ (queues of
/// its own), sending over SMTP to a real SMTP server in the test (the development mail catcher's).
/// </summary>
public class NotificationsServiceFactory : WebApplicationFactory<NotificationsDbContext>, IAsyncLifetime
{
    private readonly string _queuePrefix = $"test-{Guid.NewGuid():N}"[..17];
    private Microsoft.Extensions.Hosting.BackgroundService? _smtp;

    public string DatabaseName { get; } = LocalInfra.UniqueDatabaseName("notifications");

    public int SmtpPort { get; } = FreePort();

    public MailInbox Mail { get; } = new();

    /// <summary>Whether the SMTP server runs from the start (the outage test starts it later).</summary>
    protected virtual bool SmtpUpAtStart => true;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting($"ConnectionStrings:{ResourceNames.NotificationsDb}", LocalInfra.Current.DatabaseConnectionString(DatabaseName));
        // A virtual host of its own: Profile's test host would otherwise answer the AccountRegistered events published
        // here with email-confirmation requests, and their mails would reach these tests' addresses.
        builder.UseSetting($"ConnectionStrings:{ResourceNames.RabbitMq}", LocalInfra.Current.RabbitMqVirtualHost("introserv-tests-notifications"));
        builder.UseSetting("Auth:Issuer", TestTokens.Issuer);
        builder.UseSetting("Auth:RequireHttpsMetadata", "false");
        builder.UseSetting("Messaging:EndpointPrefix", _queuePrefix);
        builder.UseSetting("Messaging:TemporaryEndpoints", "true");
        builder.UseSetting("Messaging:RetryMinInterval", "00:00:00.200");
        builder.UseSetting("Smtp:Host", "127.0.0.1");
        builder.UseSetting("Smtp:Port", SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Smtp:Security", "None");
        builder.UseSetting("Smtp:PollInterval", "00:00:00.200");
        builder.UseSetting("Smtp:FirstRetryDelay", "00:00:01");
        builder.UseSetting("Smtp:MaxRetryDelay", "00:00:02");
        builder.UseSetting("Notifications:PanelUrl", "https://panel.test/");
        builder.ConfigureTestServices(services => services.TrustTestTokens());
    }

    public HttpClient Customer(Guid accountId, string role = AuthenticationExtensions.CustomerRole)
    {
        var http = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TestTokens.For(accountId, role));
        return http;
    }

    public Task PublishAsync<T>(T message)
        where T : class => Services.GetRequiredService<IBus>().Publish(message);

    /// <summary>Waits until <paramref name="count"/> mails to <paramref name="to"/> arrived; returns them oldest first.</summary>
    public async Task<IReadOnlyList<CaughtMail>> MailsToAsync(string to, int count = 1, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var mails = Mail.List(to);
            if (mails.Count >= count || DateTime.UtcNow > deadline)
            {
                return [.. mails.Reverse()];
            }

            await Task.Delay(100);
        }
    }

    public async Task<T> QueryAsync<T>(Func<NotificationsDbContext, Task<T>> query)
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<NotificationsDbContext>());
    }

    public Task<List<Notification>> NotificationsOfAsync(Guid accountId) =>
        QueryAsync(db => db.Notifications.AsNoTracking().Where(n => n.AccountId == accountId).OrderBy(n => n.Sequence).ToListAsync());

    public Task StartSmtpAsync()
    {
        _smtp = CreateSmtpServer();
        return _smtp.StartAsync(CancellationToken.None);
    }

    /// <summary>The SMTP server the service sends to (the development mail catcher's, unless a test needs another).</summary>
    protected virtual Microsoft.Extensions.Hosting.BackgroundService CreateSmtpServer() => new SmtpListener(Mail, TimeProvider.System, SmtpPort);

    public async Task InitializeAsync()
    {
        if (SmtpUpAtStart)
        {
            await StartSmtpAsync();
        }

        using var client = CreateClient();
        Assert.Equal("Healthy", await ServiceHealth.WaitForHealthyAsync(client));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        if (_smtp is not null)
        {
            await _smtp.StopAsync(CancellationToken.None);
            _smtp.Dispose();
        }

        await LocalInfra.Current.DropDatabasesAsync(DatabaseName);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The same service while its SMTP relay is down at first; it retries every 100..300 ms.</summary>
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
