using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Data;
using Introserv.Profile.Contracts;
using MassTransit;

namespace Introserv.Identity.Tests;

// Profile's confirmed email change reaches the account: the security section shows the new address.
public sealed class EmailChangedTests(IdentityServiceFactory factory)
    : IClassFixture<IdentityServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<string?> EmailAsync(HttpClient api) =>
        (await api.GetFromJsonAsync<JsonElement>("/api/account/security")).GetProperty("email").GetString();

    [Fact]
    public async Task A_confirmed_email_change_becomes_the_accounts_email_unless_another_account_has_it()
    {
        var (id, login, password) = await factory.RegisterAsync();
        var (otherId, otherLogin, otherPassword) = await factory.RegisterAsync();
        using var api = factory.Api((await factory.NewBrowser().SignInAsync(login, password)).AccessToken);
        using var otherApi = factory.Api(
            (await factory.NewBrowser().SignInAsync(otherLogin, otherPassword)).AccessToken);
        var before = await EmailAsync(api);
        var taken = await EmailAsync(otherApi);
        var bus = factory.Services.GetRequiredService<IBus>();
        var newEmail = $"new.{Guid.NewGuid():N}@example.com";
        var changed = new EmailChanged(Guid.NewGuid(), DateTimeOffset.UtcNow, id, before!, newEmail);

        await bus.Publish(changed);
        await bus.Publish(changed);
        var arrived = await Eventually.TrueAsync(async () => await EmailAsync(api) == newEmail,
            TimeSpan.FromSeconds(20));
        await factory.PublishAndAwaitAsync(
            new EmailChanged(Guid.NewGuid(), DateTimeOffset.UtcNow, otherId, taken!, newEmail));

        Assert.True(arrived);
        Assert.Equal(taken, await EmailAsync(otherApi));
        Assert.Equal(newEmail, await EmailAsync(api));
    }

    [Fact]
    public async Task Confirming_the_current_address_marks_it_confirmed_and_confirming_an_old_one_does_not()
    {
        var (id, _, _) = await factory.RegisterAsync();
        var (otherId, _, _) = await factory.RegisterAsync();
        var (email, otherEmail) = await ConfirmationStateAsync(id, otherId);
        var bus = factory.Services.GetRequiredService<IBus>();

        await factory.PublishAndAwaitAsync(new EmailConfirmed(
            Guid.NewGuid(), DateTimeOffset.UtcNow, otherId, "someone.else@example.com", 2));
        await bus.Publish(new EmailConfirmed(
            Guid.NewGuid(), DateTimeOffset.UtcNow, id, email.Address.ToUpperInvariant(), 2));
        var confirmed = await Eventually.TrueAsync(
            async () => (await ConfirmationStateAsync(id, otherId)).Account.Confirmed, TimeSpan.FromSeconds(20));

        Assert.False(email.Confirmed);
        Assert.True(confirmed);
        Assert.False((await ConfirmationStateAsync(id, otherId)).Other.Confirmed);
        Assert.False(otherEmail.Confirmed);
    }

    private async Task<((string Address, bool Confirmed) Account, (string Address, bool Confirmed) Other)>
        ConfirmationStateAsync(Guid id, Guid otherId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityServiceDbContext>();
        var rows = await db.Users
            .AsNoTracking()
            .Where(a => a.Id == id || a.Id == otherId)
            .ToDictionaryAsync(a => a.Id, a => (a.Email!, a.EmailConfirmed));
        return (rows[id], rows[otherId]);
    }

    [Fact]
    public async Task Changes_arriving_in_reverse_order_leave_the_newest_address()
    {
        var (id, login, password) = await factory.RegisterAsync();
        using var api = factory.Api((await factory.NewBrowser().SignInAsync(login, password)).AccessToken);
        var first = await EmailAsync(api);
        var (second, third, legacy) = ($"b.{Guid.NewGuid():N}@example.com", $"c.{Guid.NewGuid():N}@example.com",
            $"d.{Guid.NewGuid():N}@example.com");
        var newer = new EmailChanged(Guid.NewGuid(), DateTimeOffset.UtcNow, id, second, third, ProfileVersion: 5);
        var older = new EmailChanged(Guid.NewGuid(), DateTimeOffset.UtcNow, id, first!, second, ProfileVersion: 4);
        // From a Profile that did not yet send versions: older than any versioned change.
        var unversioned = new EmailChanged(Guid.NewGuid(), DateTimeOffset.UtcNow, id, first!, legacy);
        var bus = factory.Services.GetRequiredService<IBus>();

        await bus.Publish(newer, c => c.MessageId = newer.EventId);
        Assert.True(await Eventually.TrueAsync(async () => await EmailAsync(api) == third, TimeSpan.FromSeconds(20)));
        await bus.Publish(older, c => c.MessageId = older.EventId);
        await bus.Publish(unversioned, c => c.MessageId = unversioned.EventId);

        Assert.True(await Eventually.TrueAsync(() => ConsumedAsync(older.EventId, unversioned.EventId),
            TimeSpan.FromSeconds(20)));
        Assert.Equal(third, await EmailAsync(api));
    }

    private async Task<bool> ConsumedAsync(params Guid[] messageIds)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityServiceDbContext>();
        return await db.Set<InboxMessage>().CountAsync(m => messageIds.Contains(m.MessageId)) == messageIds.Length;
    }
}
