using Introserv.Identity.Data;

namespace Introserv.Identity.Tests;

// Identity's API remembers for Identity:EntryCacheLifetime (5 s) that a token's session is valid and what an
// account's allow-list is, instead of reading both on every request. A change made through this service takes effect
// at once; one made elsewhere (another replica, OpenIddict itself, here the database directly) within the lifetime.
public sealed class EntryCacheTests(IdentityServiceFactory factory)
    : IClassFixture<IdentityServiceFactory>, IAsyncLifetime
{
    private static readonly TimeSpan WithinTheLifetime = TimeSpan.FromSeconds(15);

    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<T> QueryAsync<T>(Func<IdentityServiceDbContext, Task<T>> query)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<IdentityServiceDbContext>());
    }

    private static async Task<bool> StatusIsAsync(HttpClient api, HttpStatusCode expected)
    {
        using var response = await api.GetAsync("/api/account/me");
        return response.StatusCode == expected;
    }

    [Fact]
    public async Task Me_answers_what_the_token_names()
    {
        var (id, login, password) = await factory.RegisterAsync();
        var tokens = await factory.NewBrowser().SignInAsync(login, password);
        using var api = factory.Api(tokens.AccessToken);

        var me = await api.GetFromJsonAsync<JsonElement>("/api/account/me");

        Assert.Equal(id, me.GetProperty("accountId").GetGuid());
        Assert.Equal(OidcBrowser.ReadJwtPayload(tokens.AccessToken).GetProperty("sid").GetString(),
            me.GetProperty("sessionId").GetString());
        Assert.Contains("customer", me.GetProperty("roles").EnumerateArray().Select(r => r.GetString()));
        Assert.True(me.GetProperty("expiresAt").GetDateTimeOffset() > DateTimeOffset.UtcNow);
        using var anonymous = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/account/me")).StatusCode);
    }

    [Fact]
    public async Task A_session_revoked_here_is_refused_at_once_although_its_token_was_just_accepted()
    {
        var (_, login, password) = await factory.RegisterAsync();
        var current = await factory.NewBrowser().SignInAsync(login, password);
        var other = await factory.NewBrowser("192.0.2.44").SignInAsync(login, password);
        using var api = factory.Api(current.AccessToken);
        using var otherApi = factory.Api(other.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await otherApi.GetAsync("/api/account/me")).StatusCode);

        var otherSession = OidcBrowser.ReadJwtPayload(other.AccessToken).GetProperty("sid").GetString();
        Assert.Equal(HttpStatusCode.NoContent,
            (await api.DeleteAsync($"/api/account/sessions/{otherSession}")).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await otherApi.GetAsync("/api/account/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await otherApi.GetAsync("/api/account/security")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/account/me")).StatusCode);
    }

    [Fact]
    public async Task A_session_revoked_elsewhere_is_refused_within_the_lifetime()
    {
        var (_, login, password) = await factory.RegisterAsync();
        var tokens = await factory.NewBrowser().SignInAsync(login, password);
        using var api = factory.Api(tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/account/me")).StatusCode);

        var session = Guid.Parse(OidcBrowser.ReadJwtPayload(tokens.AccessToken).GetProperty("sid").GetString()!);
        await QueryAsync(db => db.Database.ExecuteSqlInterpolatedAsync(
            $"UPDATE \"OpenIddictAuthorizations\" SET \"Status\" = 'revoked' WHERE \"Id\" = {session}"));

        Assert.True(await Eventually.TrueAsync(
            () => StatusIsAsync(api, HttpStatusCode.Unauthorized),
            WithinTheLifetime));
    }

    [Fact]
    public async Task A_token_revoked_elsewhere_is_refused_within_the_lifetime()
    {
        var (_, login, password) = await factory.RegisterAsync();
        var tokens = await factory.NewBrowser().SignInAsync(login, password);
        using var api = factory.Api(tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/account/me")).StatusCode);

        var session = Guid.Parse(OidcBrowser.ReadJwtPayload(tokens.AccessToken).GetProperty("sid").GetString()!);
        var revoked = await QueryAsync(db => db.Database.ExecuteSqlInterpolatedAsync(
            $"UPDATE \"OpenIddictTokens\" SET \"Status\" = 'revoked' WHERE \"AuthorizationId\" = {session}"));
        Assert.True(revoked > 0);

        Assert.True(await Eventually.TrueAsync(
            () => StatusIsAsync(api, HttpStatusCode.Unauthorized),
            WithinTheLifetime));
    }

    [Fact]
    public async Task An_allow_list_changed_here_holds_at_once_and_one_changed_elsewhere_within_the_lifetime()
    {
        var (id, login, password) = await factory.RegisterAsync();
        var tokens = await factory.NewBrowser().SignInAsync(login, password);
        using var api = factory.Api(tokens.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/account/me")).StatusCode);

        using var set = await api.PutAsJsonAsync("/api/account/ip-allow-list",
            new { entries = new[] { "10.0.0.1" }, confirmLockOut = true });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        using var refused = await api.GetAsync("/api/account/me");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("ip_not_allowed", JsonApi.Code(await refused.Content.ReadFromJsonAsync<JsonElement>()));

        await QueryAsync(db => db.Users.Where(a => a.Id == id)
            .ExecuteUpdateAsync(a => a.SetProperty(x => x.IpAllowList, new List<string>())));
        Assert.True(await Eventually.TrueAsync(
            () => StatusIsAsync(api, HttpStatusCode.OK),
            WithinTheLifetime));

        await QueryAsync(db => db.Users.Where(a => a.Id == id)
            .ExecuteUpdateAsync(a => a.SetProperty(x => x.IpAllowList, new List<string> { "10.0.0.1" })));
        Assert.True(await Eventually.TrueAsync(
            () => StatusIsAsync(api, HttpStatusCode.Forbidden),
            WithinTheLifetime));
    }
}
