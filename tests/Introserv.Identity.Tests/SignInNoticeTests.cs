using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Data;

namespace Introserv.Identity.Tests;

// The seed's "last IP": the previous sign-in is shown next to the current one, and a sign-in from a new address is told
// by mail.
public sealed class SignInNoticeTests(IdentityServiceFactory factory)
    : IClassFixture<IdentityServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Only_a_sign_in_from_an_address_never_used_before_is_announced_and_the_previous_one_is_shown()
    {
        var (id, login, password) = await factory.RegisterAsync();

        await factory.NewBrowser("192.0.2.61").SignInAsync(login, password);
        await factory.NewBrowser("198.51.100.62").SignInAsync(login, password);
        await factory.NewBrowser("198.51.100.62").SignInAsync(login, password);
        var current = await factory.NewBrowser("192.0.2.61").SignInAsync(login, password);
        using var api = factory.Api(current.AccessToken, "192.0.2.61");
        var security = await api.GetFromJsonAsync<JsonElement>("/api/account/security");

        var notices = await NoticesAsync(id);
        Assert.Equal(["198.51.100.62"], notices.Select(n => n.GetProperty("address").GetString()));
        Assert.Equal("198.51.100.62", security.GetProperty("previousSignIn").GetProperty("ip").GetString());
        Assert.Equal("192.0.2.61", security.GetProperty("lastAccess").GetProperty("ip").GetString());
    }

    [Fact]
    public async Task The_first_sign_in_of_an_account_is_not_announced_and_has_no_previous_one()
    {
        var (id, login, password) = await factory.RegisterAsync();

        var tokens = await factory.NewBrowser("203.0.113.63").SignInAsync(login, password);
        using var api = factory.Api(tokens.AccessToken, "203.0.113.63");
        var security = await api.GetFromJsonAsync<JsonElement>("/api/account/security");

        Assert.Empty(await NoticesAsync(id));
        Assert.Equal(JsonValueKind.Null, security.GetProperty("previousSignIn").ValueKind);
    }

    [Fact]
    public async Task Parallel_sign_ins_from_a_new_address_make_one_notice()
    {
        var (id, login, password) = await factory.RegisterAsync();
        await factory.NewBrowser("192.0.2.64").SignInAsync(login, password);

        // The login throttle turns some of the parallel attempts away (429); those that get through race each other.
        var signedIn = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            try
            {
                await factory.NewBrowser("198.51.100.65").SignInAsync(login, password);
                return true;
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }));
        Assert.True(signedIn.Count(s => s) >= 2, $"only {signedIn.Count(s => s)} of the parallel sign-ins got through");

        // Published at least once, and every publication is the same event: Notifications mails an event id once.
        var notices = await NoticesAsync(id);
        Assert.NotEmpty(notices);
        Assert.Single(notices.Select(n => n.GetProperty("eventId").GetGuid()).Distinct());
        Assert.All(notices, n => Assert.Equal("198.51.100.65", n.GetProperty("address").GetString()));
    }

    private async Task<List<JsonElement>> NoticesAsync(Guid accountId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityServiceDbContext>();
        var rows = await db.Set<OutboxMessage>().AsNoTracking()
            .Where(m => m.MessageType.StartsWith("Introserv.Identity.Contracts.SignedInFromNewAddress,")).ToListAsync();
        return [.. rows
            .Where(r => r.Payload.Contains(accountId.ToString(), StringComparison.Ordinal))
            .OrderBy(r => r.CreatedAt)
            .Select(r => JsonDocument.Parse(r.Payload).RootElement.Clone())];
    }
}
