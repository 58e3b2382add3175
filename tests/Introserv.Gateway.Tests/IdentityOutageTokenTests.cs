using System.Diagnostics;
using System.Net.Sockets;
using System.Security.Claims;
using System.Security.Cryptography;
using Introserv.Gateway.AllowLists;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Xunit.Abstractions;

namespace Introserv.Gateway.Tests;

// The gateway reads Identity's signing keys from its discovery document, in the shipped configuration (no test keys).
// While Identity cannot be reached and no keys were ever read, a valid token is answered 503 service_unavailable with
// Retry-After (never 401, which would send the client to sign in again, nor 500), while something that is not a token
// is still 401; once Identity answers (and a failed read's short memory has passed), the same token is accepted
// without a restart, tokens keep being checked from the keys held when Identity stops again, and a forged token is
// refused 401.
public sealed class IdentityOutageTokenTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private const string Issuer = "http://identity.outage.test/";
    private const string From = "203.0.113.20";

    private readonly RSA _rsa = RSA.Create(2048);
    private readonly RecordingUpstream _upstream = new();
    private readonly WebApplicationFactory<Program> _root = new();
    private readonly int _identityPort = FreePort();
    private WebApplicationFactory<Program> _gateway = null!;
    private WebApplication? _identity;

    public Task InitializeAsync()
    {
        _gateway = _root.WithWebHostBuilder(builder =>
        {
            TestGateway.Configure(builder, LocalInfra.Current.Redis, _upstream.Address);
            TestGateway.GiveRedisTime(builder);
            builder.UseSetting("Auth:Issuer", Issuer);
            builder.UseSetting(
                "Auth:MetadataAddress", $"http://127.0.0.1:{_identityPort}/.well-known/openid-configuration");
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        if (_identity is not null)
        {
            await _identity.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _root.Dispose();
        _upstream.Dispose();
        _rsa.Dispose();
    }

    [Fact]
    public async Task A_valid_token_is_answered_503_while_identity_is_unreachable_and_accepted_once_it_answers()
    {
        var key = new RsaSecurityKey(_rsa) { KeyId = "outage-test-key" };
        var account = Guid.NewGuid();
        // No allow-list for the account (Identity's gRPC is not asked): only the token decides.
        await _gateway.Services.GetRequiredService<AllowListCache>().StoreAsync(account, 1, []);
        var token = TokenFor(account, key);

        var watch = Stopwatch.StartNew();
        var (status, code, retryAfter) = await GetProfileAsync(token);
        output.WriteLine($"Identity unreachable: {status} {code} after {watch.ElapsedMilliseconds} ms");
        Assert.Equal((StatusCodes.Status503ServiceUnavailable, "service_unavailable"), (status, code));
        Assert.NotNull(retryAfter);
        Assert.Empty(_upstream.Requests);

        // Not a token at all: refused as before, Identity or not (and nothing is asked of Identity for it).
        var (garbage, garbageCode, _) = await GetProfileAsync("not-a-token");
        Assert.Equal((StatusCodes.Status401Unauthorized, "unauthorized"), (garbage, garbageCode));

        // Twenty requests at once, each with its own token, while Identity is still unreachable: all 503, none 500.
        var racing = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => GetProfileAsync(TokenFor(account, key))));
        Assert.All(racing, answer => Assert.Equal(
            (StatusCodes.Status503ServiceUnavailable, "service_unavailable"), (answer.Status, answer.Code)));
        Assert.Empty(_upstream.Requests);

        await StartIdentityAsync(key);
        // A failed read of the discovery document answers for SharedDiscoveryReads.FailureMemory; then the next
        // request reads it again.
        await Task.Delay(SharedDiscoveryReads.FailureMemory);
        var (after, _, _) = await GetProfileAsync(token);
        Assert.Equal(StatusCodes.Status200OK, after);
        Assert.Single(_upstream.Requests);

        // Identity stops again once its keys were read: new tokens are still checked from the keys held.
        await _identity!.StopAsync();
        var held = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => GetProfileAsync(TokenFor(account, key))));
        Assert.All(held, answer => Assert.Equal(StatusCodes.Status200OK, answer.Status));
        Assert.Equal(21, _upstream.Requests.Count);

        using var forgedKey = RSA.Create(2048);
        var (forged, forgedCode, _) =
            await GetProfileAsync(TokenFor(account, new RsaSecurityKey(forgedKey) { KeyId = "outage-test-key" }));
        Assert.Equal((StatusCodes.Status401Unauthorized, "unauthorized"), (forged, forgedCode));
        Assert.Equal(21, _upstream.Requests.Count);
    }

    private async Task<(int Status, string? Code, string? RetryAfter)> GetProfileAsync(string token)
    {
        var context = await _gateway.Server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Get;
            c.Request.Path = "/api/profile";
            c.Connection.RemoteIpAddress = IPAddress.Parse(From);
            c.Request.Headers.Authorization = $"Bearer {token}";
        });
        string? code = null;
        if (context.Response.ContentType?.StartsWith("application/problem+json", StringComparison.Ordinal) == true)
        {
            using var problem = await JsonDocument.ParseAsync(context.Response.Body);
            code = problem.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
        }

        return (context.Response.StatusCode, code, context.Response.Headers.RetryAfter.FirstOrDefault());
    }

    // Identity's discovery document and key set, as Identity publishes them, on the port the gateway was given.
    private async Task StartIdentityAsync(RsaSecurityKey key)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{_identityPort}");
        _identity = builder.Build();
        var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(new RsaSecurityKey(_rsa.ExportParameters(false))
        {
            KeyId = key.KeyId,
        });
        _identity.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = Issuer,
            ["jwks_uri"] = $"http://127.0.0.1:{_identityPort}/.well-known/jwks",
        }));
        _identity.MapGet("/.well-known/jwks", () => Results.Json(new
        {
            keys = new[] { new { kty = jwk.Kty, use = "sig", kid = jwk.Kid, alg = "RS256", n = jwk.N, e = jwk.E } },
        }));
        await _identity.StartAsync();
    }

    private static string TokenFor(Guid account, SecurityKey key) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = "introserv-api",
            Subject = new ClaimsIdentity([new Claim("sub", account.ToString("D")), new Claim("role", "customer")]),
            Expires = DateTime.UtcNow.AddMinutes(10),
            SigningCredentials = new SigningCredentials(key, SecurityAlgorithms.RsaSha256),
        });

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
