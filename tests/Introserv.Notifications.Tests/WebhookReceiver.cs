extern alias devwebhooks;
using devwebhooks::Introserv.Notifications.DevWebhooks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Introserv.Notifications.Tests;

// The development webhook receiver (webhooks-dev's endpoints and its signature check) on a real loopback port.
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WebhookReceiver(WebApplication app, Receivers receivers)
    {
        _app = app;
        Receivers = receivers;
    }

    public Receivers Receivers { get; }

    public Uri Address { get; private set; } = null!;

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        // The test output holds some service's appsettings.json (whichever the build copied last); its Kestrel
        // endpoints would move this receiver to that service's ports, one of them HTTP/2 only, so it reads none.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var receivers = new Receivers(TimeProvider.System);
        builder.Services.AddSingleton(receivers);
        var app = builder.Build();
        app.MapWebhookReceiver();
        // A receiver that accepts and then never stops answering.
        app.MapPost("/endless", async (HttpResponse response, CancellationToken cancellationToken) =>
        {
            var chunk = System.Text.Encoding.ASCII.GetBytes(new string('x', 8192));
            await response.StartAsync(cancellationToken);
            while (!cancellationToken.IsCancellationRequested)
            {
                await response.Body.WriteAsync(chunk, cancellationToken);
            }
        });
        await app.StartAsync();
        return new WebhookReceiver(app, receivers) { Address = new Uri(app.Urls.Single()) };
    }

    public string Url(string receiver) => new Uri(Address, $"/receive/{receiver}").ToString();

    public void Configure(string receiver, IReadOnlyList<string>? secrets = null, int failNext = 0,
        int failStatus = 503, bool hang = false) =>
        Receivers.Configure(receiver, new ReceiverSettings
        {
            Secrets = secrets ?? [], FailNext = failNext, FailStatus = failStatus, Hang = hang,
        });

    // What the receiver accepted (answered 2xx), oldest first.
    public IReadOnlyList<Received> Accepted(string receiver) =>
        [.. Receivers.List(receiver).Where(r => r.Accepted).Reverse()];

    public async Task<IReadOnlyList<Received>> AcceptedAsync(string receiver, int count, TimeSpan? timeout = null) =>
        await Eventually.ValueAsync(
            () => Task.FromResult(Accepted(receiver)), r => r.Count >= count, timeout ?? TimeSpan.FromSeconds(30));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

// Notifications as a deployment tuned for local receivers runs it: deliveries to loopback over http, retries after
// 200 ms (three of them) instead of hours, and a staff address for the notice of a disabled endpoint.
public sealed class WebhookNotificationsFactory : NotificationsServiceFactory
{
    public const string StaffEmail = "webhooks-staff@example.com";

    public WebhookReceiver Receiver { get; private set; } = null!;

    // A virtual host of its own: the events the other Notifications test classes publish meanwhile would otherwise
    // be recorded here too and delivered to these tests' endpoints.
    protected override string RabbitMq => LocalInfra.Current.RabbitMqVirtualHost("introserv-tests-webhooks");

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Webhooks:Enabled", "true");
        builder.UseSetting("Webhooks:AllowLocalTargets", "true");
        builder.UseSetting("Webhooks:PollInterval", "00:00:00.100");
        builder.UseSetting("Webhooks:Timeout", "00:00:02");
        builder.UseSetting("Webhooks:Lease", "00:00:05");
        for (var i = 0; i < 3; i++)
        {
            builder.UseSetting($"Webhooks:RetrySchedule:{i}", "00:00:00.200");
        }

        builder.UseSetting("Webhooks:StaffEmail", StaffEmail);
    }

    // Waits until every event published so far was recorded: the webhook queue is consumed one message at a time, in
    // order, so once a marker published now is recorded, nothing published before it is still on its way (a test
    // ends with this, and a late copy cannot reappear after the next test's reset).
    public async Task WebhookEventsRecordedAsync()
    {
        var marker = new Introserv.Profile.Contracts.ProfileUpdated(
            Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid(), ["marker"]);
        await PublishEventAsync(marker);
        var recorded = await Eventually.TrueAsync(() =>
            QueryAsync(db => db.WebhookMessages.AnyAsync(m => m.Id == marker.EventId)));
        Assert.True(recorded, "the webhook events published so far were not all recorded");
    }

    public override async Task InitializeAsync()
    {
        Receiver = await WebhookReceiver.StartAsync();
        await base.InitializeAsync();
    }

    protected override async Task OnStoppedAsync()
    {
        await base.OnStoppedAsync();
        await Receiver.DisposeAsync();
    }
}
