using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Introserv.Gateway.Tests;

// The gateway in-process with Identity's address pointing at a port where nothing listens and Profile's at
// a listener that accepts connections but never answers: failures become problem responses, not hangs.
public sealed class UpstreamFailureTests : IAsyncLifetime, IDisposable
{
    private readonly TcpListener _silent = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _held = [];
    private readonly WebApplicationFactory<Program> _root = new();
    private WebApplicationFactory<Program> _factory = null!;

    public Task InitializeAsync()
    {
        _silent.Start();
        _ = Task.Run(async () =>
        {
            while (true)
            {
                try
                {
                    _held.Add(await _silent.AcceptSocketAsync());
                }
                catch (ObjectDisposedException)
                {
                    return;
                }
                catch (SocketException)
                {
                    return;
                }
            }
        });
        var silentPort = ((IPEndPoint)_silent.LocalEndpoint).Port;
        _factory = _root.WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting($"ConnectionStrings:{ResourceNames.Redis}", LocalInfra.Current.Redis);
            builder.UseSetting("RateLimits:KeyPrefix", $"test-{Guid.NewGuid():N}:");
            builder.UseSetting($"ConnectionStrings:{ResourceNames.RabbitMq}", LocalInfra.Current.RabbitMq);
            builder.UseSetting("Auth:Issuer", "http://gateway.test/");
            builder.UseSetting("Auth:MetadataAddress", "http://127.0.0.1:9/.well-known/openid-configuration");
            builder.UseSetting("Auth:RequireHttpsMetadata", "false");
            builder.UseSetting("services:identity:http:0", "http://127.0.0.1:9");
            builder.UseSetting("AllowLists:IdentityWarmup", "00:00:00");
            builder.UseSetting("services:profile:http:0", $"http://127.0.0.1:{silentPort}");
            builder.UseSetting("ReverseProxy:Clusters:profile:HttpRequest:ActivityTimeout", "00:00:02");
        });
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _silent.Dispose();
        _root.Dispose();
    }

    public async Task DisposeAsync()
    {
        await _factory.DisposeAsync();
        _silent.Stop();
        foreach (var socket in _held)
        {
            socket.Dispose();
        }
    }

    [Fact]
    public async Task An_unreachable_service_is_a_502_problem()
    {
        using var http = _factory.CreateClient();

        using var response = await http.PostAsJsonAsync("/api/accounts", new { login = "someone" });

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("upstream_unavailable",
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_token_that_cannot_be_checked_because_identity_is_unreachable_is_a_503_problem()
    {
        // The signing keys come from Identity's discovery document; with Identity unreachable before the gateway
        // ever read it, no token can be validated: the client is told to retry, not shown a server error.
        using var http = _factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/orders");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TokenSignedWithUnpublishedKey());

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("service_unavailable",
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task A_service_that_does_not_answer_is_a_504_problem_after_the_configured_timeout()
    {
        using var http = _factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/openapi/profile/v1.json");
        var watch = System.Diagnostics.Stopwatch.StartNew();

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("upstream_timeout",
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30), $"took {watch.Elapsed}");
    }

    // A well-formed token for the configured issuer, signed with a key nobody published.
    private static string TokenSignedWithUnpublishedKey() =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "http://gateway.test/",
            Audience = "introserv-api",
            Subject = new ClaimsIdentity([new Claim("sub", Guid.NewGuid().ToString())]),
            Expires = DateTime.UtcNow.AddMinutes(5),
            SigningCredentials = new SigningCredentials(
                new SymmetricSecurityKey(Encoding.UTF8.GetBytes($"key-{Guid.NewGuid():N}")),
                SecurityAlgorithms.HmacSha256),
        });
}
