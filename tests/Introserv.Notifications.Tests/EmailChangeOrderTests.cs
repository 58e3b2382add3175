using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Contracts;
using Introserv.Profile.Contracts;
using MassTransit;

namespace Introserv.Notifications.Tests;

// Two email changes delivered newest first: each old address hears of its change, the newest address stays.
public sealed class EmailChangeOrderTests(NotificationsServiceFactory factory)
    : IClassFixture<NotificationsServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Changes_arriving_in_reverse_order_leave_the_newest_address_everywhere_it_followed()
    {
        var accountId = Guid.NewGuid();
        var first = $"a{accountId:N}@example.com";
        var (second, third, legacy) = ($"b{accountId:N}@example.com", $"c{accountId:N}@example.com",
            $"d{accountId:N}@example.com");
        await factory.PublishAsync(new AccountRegistered(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, $"n{accountId:N}"[..20], first, "Ana", "Lee"));
        Assert.Single(await factory.MailsToAsync(first));
        var newer = new EmailChanged(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, second, third, ProfileVersion: 3);
        var older = new EmailChanged(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, first, second, ProfileVersion: 2);
        var unversioned = new EmailChanged(Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, first, legacy);

        var bus = factory.Services.GetRequiredService<IBus>();
        await bus.Publish(newer, c => c.MessageId = newer.EventId);
        Assert.Single(await factory.MailsToAsync(second));
        await bus.Publish(older, c => c.MessageId = older.EventId);
        await bus.Publish(unversioned, c => c.MessageId = unversioned.EventId);

        // Both late changes are told to their old address, and change nothing else.
        Assert.Equal(3, (await factory.MailsToAsync(first, 3)).Count);
        var consumed = await factory.QueryAsync(db =>
            db.Set<InboxMessage>().CountAsync(m => m.MessageId == older.EventId || m.MessageId == unversioned.EventId));
        var settings = await factory.QueryAsync(db =>
            db.Settings.AsNoTracking().SingleAsync(s => s.AccountId == accountId));
        Assert.Equal(2, consumed);
        Assert.Equal((third, third, third, 3),
            (settings.AccountEmail, settings.InvoicesOrdersEmail, settings.SupportEmail, settings.EmailProfileVersion));
    }
}
