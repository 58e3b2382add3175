using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Introserv.Identity.Tests;

// How Identity's JSON API (/api) authenticates a request: by an access token this server signed (the bearer scheme,
// not OpenIddict's validation stack), typed at+jwt, for the API's audience and issuer, unexpired, whose session is
// still valid. Its requests are not offered to the OpenID Connect server's request handler, which would only find
// that they are none of its endpoints (ApiSchemeProvider); the server's own endpoints still are.
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

    [Fact]
    public async Task Me_names_the_scopes_and_the_expiry_of_the_token()
    {
        var (id, login, password) = await factory.RegisterAsync();
        var tokens = await factory.NewBrowser().SignInAsync(login, password);
        using var api = factory.Api(tokens.AccessToken);

        var me = await api.GetFromJsonAsync<JsonElement>("/api/account/me");

        var claims = OidcBrowser.ReadJwtPayload(tokens.AccessToken);
        Assert.Equal(id, me.GetProperty("accountId").GetGuid());
        Assert.Equal(
            claims.GetProperty("scope").GetString()!.Split(' ').Order(),
            me.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()!).Order());
        Assert.Contains("openid", me.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(claims.GetProperty("exp").GetInt64()),
            me.GetProperty("expiresAt").GetDateTimeOffset());
    }

    // A token made with this server's signing key from a real token's claims, with one thing changed at a time: the
    // unchanged copy is accepted, so each refusal is the changed thing's.
    [Theory]
    [InlineData("as issued", HttpStatusCode.OK)]
    [InlineData("an identity token's type", HttpStatusCode.Unauthorized)]
    [InlineData("no type", HttpStatusCode.Unauthorized)]
    [InlineData("another audience", HttpStatusCode.Unauthorized)]
    [InlineData("another issuer", HttpStatusCode.Unauthorized)]
    [InlineData("expired a second ago", HttpStatusCode.Unauthorized)]
    [InlineData("no expiry", HttpStatusCode.Unauthorized)]
    [InlineData("another key", HttpStatusCode.Unauthorized)]
    [InlineData("unsigned", HttpStatusCode.Unauthorized)]
    [InlineData("a session that does not exist", HttpStatusCode.Unauthorized)]
    public async Task Only_an_unexpired_access_token_of_this_server_for_the_api_is_accepted(
        string change, HttpStatusCode expected)
    {
        var (_, login, password) = await factory.RegisterAsync();
        var tokens = await factory.NewBrowser().SignInAsync(login, password);
        var claims = OidcBrowser.ReadJwtPayload(tokens.AccessToken).EnumerateObject()
            .Where(c => c.Name is not ("exp" or "iat" or "nbf"))
            .ToDictionary(c => c.Name, object (c) => c.Value.ValueKind == JsonValueKind.String
                ? c.Value.GetString()!
                : c.Value.Clone());
        var header = OidcBrowser.ReadJwtHeader(tokens.AccessToken);
        using var serverKey = RSA.Create();
        serverKey.ImportFromPem(factory.SigningKeyPem);
        using var otherKey = RSA.Create(2048);
        var now = DateTime.UtcNow;
        var descriptor = new SecurityTokenDescriptor
        {
            Claims = claims,
            TokenType = header.GetProperty("typ").GetString(),
            IssuedAt = now.AddMinutes(-1),
            NotBefore = now.AddMinutes(-1),
            Expires = now.AddMinutes(5),
            SigningCredentials = new SigningCredentials(
                new RsaSecurityKey(change == "another key" ? otherKey : serverKey)
                {
                    KeyId = header.GetProperty("kid").GetString(),
                },
                SecurityAlgorithms.RsaSha256),
        };
        switch (change)
        {
            case "an identity token's type":
                descriptor.TokenType = "JWT";
                break;
            case "another audience":
                claims["aud"] = IdentityServiceFactory.ClientId;
                break;
            case "another issuer":
                claims["iss"] = "https://issuer.example/";
                break;
            case "expired a second ago":
                (descriptor.IssuedAt, descriptor.NotBefore, descriptor.Expires) =
                    (now.AddMinutes(-5), now.AddMinutes(-5), now.AddSeconds(-1));
                break;
            case "no expiry":
                descriptor.Expires = null;
                break;
            case "unsigned":
                descriptor.SigningCredentials = null;
                break;
            case "a session that does not exist":
                claims["oi_au_id"] = Guid.NewGuid().ToString();
                break;
        }

        var token = new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
        if (change == "no type")
        {
            // The handler writes typ "JWT" when none is given: the header is written again without one, and signed.
            token = SignedWithoutType(token, header.GetProperty("kid").GetString()!, serverKey);
        }

        using var api = factory.Api(token);
        using var response = await api.GetAsync("/api/account/security");

        Assert.Equal(expected, response.StatusCode);
    }

    // What a hostile or broken client may put in the Authorization header: each is refused with 401, never a 500,
    // whatever its size (TestServer has no header size limit: Kestrel's 32 KB would refuse the largest with 431).
    [Theory]
    [InlineData("Bearer")]
    [InlineData("Bearer ")]
    [InlineData("Bearer a.b.c")]
    [InlineData("Bearer ...")]
    [InlineData("Basic dXNlcjpwYXNzd29yZA==")]
    [InlineData("Bearer huge-opaque")]
    [InlineData("Bearer huge-jwt")]
    [InlineData("Bearer oversized-jwt")]
    [InlineData("Bearer jwt-with-a-json-array-payload")]
    [InlineData("Bearer jwt-with-a-deeply-nested-payload")]
    public async Task A_malformed_or_huge_authorization_header_is_refused_with_401(string value)
    {
        static string Part(string json) => Base64UrlEncoder.Encode(json);
        var header = Part("""{"alg":"RS256","typ":"at+jwt","kid":"k"}""");
        var token = value switch
        {
            "Bearer huge-opaque" => "Bearer " + new string('A', 200_000),
            // Under and over the token handler's size limit (250 KB).
            "Bearer huge-jwt" => $"Bearer {header}.{Part($$"""{"sub":"{{new string('x', 150_000)}}"}""")}.c2ln",
            "Bearer oversized-jwt" => $"Bearer {header}.{Part($$"""{"sub":"{{new string('x', 300_000)}}"}""")}.c2ln",
            "Bearer jwt-with-a-json-array-payload" => $"Bearer {header}.{Part("[1,2,3]")}.c2ln",
            "Bearer jwt-with-a-deeply-nested-payload" =>
                $"Bearer {header}.{Part(new string('[', 10_000) + new string(']', 10_000))}.c2ln",
            _ => value,
        };
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/account/security");
        Assert.True(request.Headers.TryAddWithoutValidation("Authorization", token));

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Two_authorization_headers_are_refused_even_when_one_is_valid()
    {
        var (_, login, password) = await factory.RegisterAsync();
        var tokens = await factory.NewBrowser().SignInAsync(login, password);
        using var client = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/account/security");
        request.Headers.TryAddWithoutValidation("Authorization", ["Bearer " + tokens.AccessToken, "Bearer other"]);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static string SignedWithoutType(string token, string keyId, RSA key)
    {
        var header = Base64UrlEncoder.Encode(JsonSerializer.Serialize(new { alg = "RS256", kid = keyId }));
        var content = $"{header}.{token.Split('.')[1]}";
        var signature = key.SignData(
            System.Text.Encoding.ASCII.GetBytes(content), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return $"{content}.{Base64UrlEncoder.Encode(signature)}";
    }
}
