using Introserv.Identity.Contracts;
using Introserv.Notifications.Webhooks;
using Microsoft.Extensions.Hosting;

namespace Introserv.Notifications.Tests;

// Webhooks:Enabled=false (NotificationsServiceFactory's setting): events are not recorded for webhooks and nothing is
// delivered, while the mails go out as usual. (The webhook tests run with it on: WebhookNotificationsFactory.)
public sealed class WebhooksDisabledTests(NotificationsServiceFactory factory)
    : IClassFixture<NotificationsServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task With_webhooks_off_an_event_is_mailed_but_not_recorded_and_no_dispatcher_runs()
    {
        var accountId = Guid.NewGuid();
        var email = $"w{accountId:N}@example.com";
        await factory.PublishAsync(new AccountRegistered(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, $"w{accountId:N}"[..20], email, "Ana", "Lee"));

        Assert.Single(await factory.MailsToAsync(email));
        await factory.SettledAsync();
        Assert.Equal(0, await factory.QueryAsync(db => db.WebhookMessages.CountAsync()));
        Assert.Empty(factory.Services.GetServices<IHostedService>().OfType<WebhookDispatcher>());
    }
}
