namespace Introserv.Identity.Tests;

// The OpenID Connect server: discovery, code + PKCE through the sign-in pages, refresh, revocation, logout.
public sealed class SignInTests(IdentityServiceFactory factory) : IClassFixture<IdentityServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Discovery_offers_code_flow_with_S256_PKCE_and_no_password_or_implicit_grant()
    {
        using var http = factory.CreateClient();
        var discovery = await http.GetFromJsonAsync<JsonElement>("/.well-known/openid-configuration");

        Assert.Equal("http://identity.test/", discovery.GetProperty("issuer").GetString());
        var grants = discovery.GetProperty("grant_types_supported")
            .EnumerateArray()
            .Select(g => g.GetString())
            .ToList();
        Assert.Contains("authorization_code", grants);
        Assert.Contains("refresh_token", grants);
        Assert.DoesNotContain("password", grants);
        Assert.DoesNotContain("implicit", grants);
        Assert.Equal(["code"],
            discovery.GetProperty("response_types_supported").EnumerateArray().Select(r => r.GetString()));
        Assert.Contains("S256",
            discovery.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(m => m.GetString()));
        Assert.DoesNotContain("plain",
            discovery.GetProperty("code_challenge_methods_supported").EnumerateArray().Select(m => m.GetString()));

        var jwks = await http.GetFromJsonAsync<JsonElement>(
            new Uri(discovery.GetProperty("jwks_uri").GetString()!).PathAndQuery);
        var key = Assert.Single(jwks.GetProperty("keys").EnumerateArray());
        Assert.Equal("RSA", key.GetProperty("kty").GetString());
        Assert.False(key.TryGetProperty("d", out _)); // never the private part
    }

    [Fact]
    public async Task A_customer_signs_in_with_code_and_PKCE_and_gets_a_short_lived_JWT_for_the_api()
    {
        var (id, login, password) = await factory.RegisterAsync();
        var browser = factory.NewBrowser();

        var tokens = await browser.SignInAsync(login, password);

        Assert.InRange(tokens.ExpiresIn, 1, 600);
        Assert.NotNull(tokens.RefreshToken);
        Assert.NotNull(tokens.IdToken);
        var claims = OidcBrowser.ReadJwtPayload(tokens.AccessToken);
        Assert.Equal(id.ToString(), claims.GetProperty("sub").GetString());
        Assert.Equal("introserv-api", claims.GetProperty("aud").GetString());
        Assert.Equal("http://identity.test/", claims.GetProperty("iss").GetString());
        Assert.True(claims.GetProperty("exp").GetInt64() - claims.GetProperty("iat").GetInt64() <= 600);
        Assert.Equal("customer", claims.GetProperty("role").GetString());
        Assert.True(claims.TryGetProperty("sid", out _));
        Assert.False(claims.TryGetProperty("stamp", out _));

        using var api = factory.Api(tokens.AccessToken);
        var security = await api.GetFromJsonAsync<JsonElement>("/api/account/security");
        Assert.Equal(login, security.GetProperty("login").GetString());
        Assert.Equal(IdentityServiceFactory.ClientAddress,
            security.GetProperty("lastAccess").GetProperty("ip").GetString());
        var session = Assert.Single(security.GetProperty("sessions").EnumerateArray());
        Assert.True(session.GetProperty("current").GetBoolean());
        Assert.Equal(IdentityServiceFactory.ClientId, session.GetProperty("clientId").GetString());
    }

    [Fact]
    public async Task The_code_is_redeemed_only_with_its_PKCE_verifier_and_only_once()
    {
        var (_, login, password) = await factory.RegisterAsync();
        var browser = factory.NewBrowser();
        await browser.OpenLoginPageAsync();
        var code = await browser.FollowToCodeAsync(await browser.SubmitCredentialsAsync(login, password));

        using var withoutVerifier = await browser.Http.PostAsync(
            new Uri("/connect/token", UriKind.Relative),
            new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["grant_type"] = "authorization_code",
                ["code"] = code,
                ["redirect_uri"] = IdentityServiceFactory.RedirectUri,
                ["client_id"] = IdentityServiceFactory.ClientId,
                ["code_verifier"] = "not-the-verifier-not-the-verifier-not-the-verifier",
            }));
        Assert.Equal(HttpStatusCode.BadRequest, withoutVerifier.StatusCode);
        Assert.Equal("invalid_grant",
            (await withoutVerifier.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());

        var tokens = await browser.RedeemAsync(code);
        Assert.NotEmpty(tokens.AccessToken);
        var replay = await Assert.ThrowsAsync<OidcErrorException>(() => browser.RedeemAsync(code));
        Assert.Equal("invalid_grant", replay.Error);
    }

    [Fact]
    public async Task Authorize_without_a_code_challenge_is_refused()
    {
        var browser = factory.NewBrowser();
        var url = browser.NewAuthorizeUrl();
        var withoutPkce = url[..url.IndexOf("&code_challenge=", StringComparison.Ordinal)];

        using var response = await browser.Http.GetAsync(new Uri(withoutPkce, UriKind.Relative));

        // OpenIddict answers the client with an error redirect (or a 400 when the redirect URI is untrusted).
        var location = response.Headers.Location?.ToString() ?? "";
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest
            || location.Contains("error=invalid_request", StringComparison.Ordinal),
            $"{(int)response.StatusCode} {location}");
    }

    [Fact]
    public async Task Refresh_tokens_rotate_and_a_reused_one_is_refused()
    {
        var (_, login, password) = await factory.RegisterAsync();
        var browser = factory.NewBrowser();
        var first = await browser.SignInAsync(login, password);

        var second = await OidcBrowser.ReadTokensAsync(await browser.RefreshAsync(first.RefreshToken!));
        Assert.NotEqual(first.RefreshToken, second.RefreshToken);
        Assert.NotEqual(first.AccessToken, second.AccessToken);
        // The session keeps its id across refreshes.
        Assert.Equal(
            OidcBrowser.ReadJwtPayload(first.AccessToken).GetProperty("sid").GetString(),
            OidcBrowser.ReadJwtPayload(second.AccessToken).GetProperty("sid").GetString());

        using var reused = await browser.RefreshAsync(first.RefreshToken!);
        Assert.Equal(HttpStatusCode.BadRequest, reused.StatusCode);
        Assert.Equal("invalid_grant",
            (await reused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_revoked_refresh_token_no_longer_works()
    {
        var (_, login, password) = await factory.RegisterAsync();
        var browser = factory.NewBrowser();
        var tokens = await browser.SignInAsync(login, password);

        using var revoke = await browser.Http.PostAsync(
            new Uri("/connect/revoke", UriKind.Relative),
            new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["token"] = tokens.RefreshToken!,
                ["token_type_hint"] = "refresh_token",
                ["client_id"] = IdentityServiceFactory.ClientId,
            }));
        Assert.Equal(HttpStatusCode.OK, revoke.StatusCode);

        using var refresh = await browser.RefreshAsync(tokens.RefreshToken!);
        Assert.Equal(HttpStatusCode.BadRequest, refresh.StatusCode);
    }

    [Fact]
    public async Task Logout_ends_the_session_and_the_browser_sign_in()
    {
        var (_, login, password) = await factory.RegisterAsync();
        var browser = factory.NewBrowser();
        var tokens = await browser.SignInAsync(login, password);

        using var logout = await browser.Http.GetAsync(new Uri(
            $"/connect/logout?id_token_hint={tokens.IdToken}" +
            $"&post_logout_redirect_uri={Uri.EscapeDataString(IdentityServiceFactory.PostLogoutRedirectUri)}",
            UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, logout.StatusCode);
        Assert.StartsWith(IdentityServiceFactory.PostLogoutRedirectUri, logout.Headers.Location!.ToString(),
            StringComparison.Ordinal);

        using var refresh = await browser.RefreshAsync(tokens.RefreshToken!);
        Assert.Equal(HttpStatusCode.BadRequest, refresh.StatusCode);
        using var api = factory.Api(tokens.AccessToken);
        Assert.Equal(HttpStatusCode.Unauthorized, (await api.GetAsync("/api/account/security")).StatusCode);
        // The browser must sign in again.
        using var again = await browser.AuthorizeAsync();
        Assert.StartsWith("/account/login", again.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_browser_that_is_signed_in_gets_a_new_session_without_typing_the_password_again()
    {
        var (_, login, password) = await factory.RegisterAsync();
        var browser = factory.NewBrowser();
        var first = await browser.SignInAsync(login, password);

        using var silent = await browser.AuthorizeAsync();
        var second = await browser.RedeemAsync(await browser.FollowToCodeAsync(silent));

        Assert.NotEqual(
            OidcBrowser.ReadJwtPayload(first.AccessToken).GetProperty("sid").GetString(),
            OidcBrowser.ReadJwtPayload(second.AccessToken).GetProperty("sid").GetString());

        // prompt=login forces the credentials again.
        using var forced = await browser.AuthorizeAsync(extra: "&prompt=login");
        Assert.StartsWith("/account/login", forced.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_credentials_show_the_form_again_and_are_recorded()
    {
        var (_, login, password) = await factory.RegisterAsync();
        var browser = factory.NewBrowser("192.0.2.77");
        await browser.OpenLoginPageAsync();

        using var wrong = await browser.SubmitCredentialsAsync(login, "not the password at all");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("login or password is incorrect", await wrong.Content.ReadAsStringAsync(),
            StringComparison.Ordinal);
        using var unknown = await browser.SubmitCredentialsAsync(
            "nobody." + Guid.NewGuid().ToString("N")[..8], "whatever password");
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);

        var tokens = await browser.CompleteAsync(await browser.SubmitCredentialsAsync(login, password));
        using var api = factory.Api(tokens.AccessToken);
        var history = await api.GetFromJsonAsync<JsonElement>("/api/account/login-history");
        var outcomes = history.GetProperty("items")
            .EnumerateArray()
            .Select(a => a.GetProperty("outcome").GetString())
            .ToList();
        Assert.Equal(["succeeded", "invalid_credentials"], outcomes);
        Assert.All(history.GetProperty("items").EnumerateArray(),
            a => Assert.Equal("192.0.2.77", a.GetProperty("ip").GetString()));
    }

    [Fact]
    public async Task The_login_form_refuses_a_post_without_its_antiforgery_token()
    {
        var (_, login, password) = await factory.RegisterAsync();
        var browser = factory.NewBrowser();
        await browser.OpenLoginPageAsync();

        using var forged = await browser.Http.PostAsync(
            new Uri("/account/login", UriKind.Relative),
            new FormUrlEncodedContent(new Dictionary<string, string>
            {
                ["login"] = login,
                ["password"] = password,
                ["returnUrl"] = "/account/signed-in"
            }));

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
    }

    [Fact]
    public async Task The_sign_in_page_never_redirects_to_another_site()
    {
        var browser = factory.NewBrowser();
        foreach (var returnUrl in new[] { "https%3A%2F%2Fevil.example%2F", "%2F%2Fevil.example", "%2F%5Cevil.example" })
        {
            var page = await browser.Http.GetStringAsync(new Uri(
                $"/account/login?returnUrl={returnUrl}", UriKind.Relative));
            Assert.DoesNotContain("evil.example", page, StringComparison.Ordinal);
            Assert.Contains("name=\"returnUrl\" value=\"/account/signed-in\"", page, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_sign_in_pages_cannot_be_framed_or_cached()
    {
        using var http = factory.CreateClient();

        using var page = await http.GetAsync(new Uri("/account/login", UriKind.Relative));

        Assert.Equal("DENY", page.Headers.GetValues("X-Frame-Options").Single());
        Assert.Contains("frame-ancestors 'none'", page.Headers.GetValues("Content-Security-Policy").Single(),
            StringComparison.Ordinal);
        Assert.True(page.Headers.CacheControl?.NoStore);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
    }
}
