namespace Introserv.Identity.Tests;

// Requests of Identity's JSON API (/api) are not offered to the OpenID Connect server's request handler, which would
// only find that they are none of its endpoints (ApiSchemeProvider). The server's own endpoints still are, and the API
// still authenticates every request by its token.
public sealed class ApiAuthenticationTests(IdentityServiceFactory factory)
    : IClassFixture<IdentityServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Api_requests_skip_the_openid_server_and_its_own_endpoints_do_not()
    {
        var before = factory.ServerRequestPaths.Count;
        var (_, login, password) = await factory.RegisterAsync();
        var browser = factory.NewBrowser();
        var tokens = await browser.SignInAsync(login, password);
        using var api = factory.Api(tokens.AccessToken);

        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/account/security")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/API/Account/Me")).StatusCode);
        using var forged = factory.Api(tokens.AccessToken[..^4] + "AAAA");
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync("/api/account/me")).StatusCode);
        using var anonymous = factory.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/account/security")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync("/.well-known/openid-configuration")).StatusCode);
        using var refreshed = await browser.RefreshAsync(tokens.RefreshToken!);
        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);

        var offered = factory.ServerRequestPaths.Skip(before).ToList();
        Assert.DoesNotContain(offered, path => path.StartsWith("/api", StringComparison.OrdinalIgnoreCase));
        Assert.Contains("/connect/authorize", offered);
        Assert.Equal(2, offered.Count(path => path == "/connect/token"));
        Assert.Contains("/.well-known/openid-configuration", offered);
    }
}
