using System.Net.Http.Json;
using System.Text.Json;
using Introserv.Profile.Contracts;
using MassTransit;
using Microsoft.Extensions.DependencyInjection;

namespace Introserv.IntegrationTests.Identity;

/// <summary>Profile's confirmed email change reaches the account: the security section shows the new address.</summary>
public sealed class EmailChangedTests(IdentityServiceFactory factory) : IClassFixture<IdentityServiceFactory>
{
    private async Task<string?> EmailAsync(HttpClient api) =>
        (await api.GetFromJsonAsync<JsonElement>("/api/account/security")).GetProperty("email").GetString();

    [Fact]
    public async Task A_confirmed_email_change_becomes_the_accounts_email_unless_another_account_has_it()
    {
        var (id, login, password) = await factory.RegisterAsync();
        var (otherId, otherLogin, otherPassword) = await factory.RegisterAsync();
        using var api = factory.Api((await factory.NewBrowser().SignInAsync(login, password)).AccessToken);
        using var otherApi = factory.Api((await factory.NewBrowser().SignInAsync(otherLogin, otherPassword)).AccessToken);
        var before = await EmailAsync(api);
        var taken = await EmailAsync(otherApi);
        var bus = factory.Services.GetRequiredService<IBus>();
        var newEmail = $"new.{Guid.NewGuid():N}@example.com";
        var changed = new EmailChanged(Guid.NewGuid(), DateTimeOffset.UtcNow, id, before!, newEmail);

        await bus.Publish(changed);
        await bus.Publish(changed);
        var arrived = await Messaging.MessagingHost.EventuallyAsync(async () => await EmailAsync(api) == newEmail, TimeSpan.FromSeconds(20));
        await bus.Publish(new EmailChanged(Guid.NewGuid(), DateTimeOffset.UtcNow, otherId, taken!, newEmail));
        await Task.Delay(1500);

        Assert.True(arrived);
        Assert.Equal(taken, await EmailAsync(otherApi));
        Assert.Equal(newEmail, await EmailAsync(api));
    }
}
