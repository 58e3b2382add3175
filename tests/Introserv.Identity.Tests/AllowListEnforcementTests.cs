using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Contracts;
using Introserv.Identity.Data;

namespace Introserv.Identity.Tests;

// Identity's own side of the allow-list: concurrent changes never share a version, every endpoint that reads
// account data with a token enforces the list, and a direct caller cannot choose the address Identity records.
public sealed class AllowListEnforcementTests(IdentityServiceFactory factory)
    : IClassFixture<IdentityServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<(Guid Id, TokenSet Tokens)> SignedInAsync(string address = IdentityServiceFactory.ClientAddress)
    {
        var (id, login, password) = await factory.RegisterAsync();
        return (id, await factory.NewBrowser(address).SignInAsync(login, password));
    }

    [Fact]
    public async Task Twenty_concurrent_changes_commit_twenty_versions_and_the_newest_is_the_one_stored_and_announced()
    {
        var (id, tokens) = await SignedInAsync();
        using var api = factory.Api(tokens.AccessToken);

        var answers = await Task.WhenAll(Enumerable.Range(1, 20).Select(async i =>
        {
            using var response = await api.PutAsJsonAsync("/api/account/ip-allow-list",
                new { entries = new[] { IdentityServiceFactory.ClientAddress, $"10.0.0.{i}" } });
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }));

        var versions = answers.Select(a => a.GetProperty("version").GetInt64()).Order().ToList();
        Assert.Equal(Enumerable.Range(1, 20).Select(v => (long)v), versions);
        var newest = answers.MaxBy(a => a.GetProperty("version").GetInt64());
        var expected = newest.GetProperty("entries").EnumerateArray().Select(e => e.GetString()!).ToList();

        var stored = await api.GetFromJsonAsync<JsonElement>("/api/account/security");
        Assert.Equal(20, stored.GetProperty("ipAllowList").GetProperty("version").GetInt64());
        Assert.Equal(expected,
            stored.GetProperty("ipAllowList").GetProperty("entries").EnumerateArray().Select(e => e.GetString()!));

        // What the gateway is told: one event per version, and the newest carries the stored list.
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityServiceDbContext>();
        var events = (await db.Set<OutboxMessage>()
                .Where(m => m.MessageType.StartsWith(typeof(IpAllowListChanged).FullName!))
                .ToListAsync())
            .Select(m => JsonSerializer.Deserialize<IpAllowListChanged>(m.Payload, JsonSerializerOptions.Web)!)
            .Where(e => e.AccountId == id)
            .ToList();
        Assert.Equal(versions, events.Select(e => e.Version).Order());
        Assert.Equal(expected, events.MaxBy(e => e.Version)!.Entries);
    }

    [Fact]
    public async Task Userinfo_and_the_security_api_refuse_an_address_outside_the_list()
    {
        var (_, tokens) = await SignedInAsync();
        using (var api = factory.Api(tokens.AccessToken))
        {
            using var set = await api.PutAsJsonAsync("/api/account/ip-allow-list",
                new { entries = new[] { "10.0.0.0/8" }, confirmLockOut = true });
            Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        }

        foreach (var path in new[]
        {
            "/connect/userinfo",
            "/api/account/security",
            "/api/account/sessions",
            "/api/account/audit"
        })
        {
            using var outside = factory.Api(tokens.AccessToken);
            using var refused = await outside.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("ip_not_allowed", problem.GetProperty("code").GetString());
            Assert.Equal(IdentityServiceFactory.ClientAddress, problem.GetProperty("callerAddress").GetString());

            using var inside = factory.Api(tokens.AccessToken, "10.20.30.40");
            using var allowed = await inside.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        }

        // Changing the list from outside it is refused too.
        using var stranger = factory.Api(tokens.AccessToken);
        using var change = await stranger.PutAsJsonAsync("/api/account/ip-allow-list",
            new { entries = Array.Empty<string>() });
        Assert.Equal(HttpStatusCode.Forbidden, change.StatusCode);
    }

    [Fact]
    public async Task A_direct_caller_on_loopback_cannot_choose_the_address_identity_records()
    {
        // Identity's shipped configuration trusts no proxy, loopback included.
        var (_, login, password) = await factory.RegisterAsync();
        var browser = factory.NewBrowser("127.0.0.1");
        browser.Http.DefaultRequestHeaders.Add("X-Forwarded-For", "10.9.9.9");
        browser.Http.DefaultRequestHeaders.Add("X-Real-IP", "10.9.9.9");
        browser.Http.DefaultRequestHeaders.Add("Forwarded", "for=10.9.9.9");
        var tokens = await browser.SignInAsync(login, password);

        using var api = factory.Api(tokens.AccessToken, "127.0.0.1");
        api.DefaultRequestHeaders.Add("X-Forwarded-For", "10.9.9.9");
        var history = await api.GetFromJsonAsync<JsonElement>("/api/account/login-history");
        Assert.All(history.GetProperty("items").EnumerateArray(),
            a => Assert.Equal("127.0.0.1", a.GetProperty("ip").GetString()));
        var security = await api.GetFromJsonAsync<JsonElement>("/api/account/security");
        Assert.Equal("127.0.0.1", security.GetProperty("currentAddress").GetString());
        Assert.Equal("127.0.0.1", security.GetProperty("lastAccess").GetProperty("ip").GetString());
    }
}
