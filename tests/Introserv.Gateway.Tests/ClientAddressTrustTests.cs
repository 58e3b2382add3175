using Introserv.Gateway.AllowLists;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;

namespace Introserv.Gateway.Tests;

// The gateway's client address, which the allow-list, rate limits and last access rest on: in the configuration
// it ships with (no trusted proxy) no header from any peer changes it; with a proxy configured only that proxy's
// hop counts. Requests come from chosen socket addresses; the upstream records what the gateway forwards.
public sealed class ClientAddressTrustTests : IAsyncLifetime, IDisposable
{
    private const string Allowed = "203.0.113.7";
    private const string Outsider = "198.51.100.1";
    private const string Proxy = "10.0.0.1";

    private readonly RecordingUpstream _upstream = new();
    private readonly WebApplicationFactory<Program> _root = new();
    private readonly List<WebApplicationFactory<Program>> _gateways = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var factory in _gateways)
        {
            await factory.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _root.Dispose();
        _upstream.Dispose();
    }

    private WebApplicationFactory<Program> Gateway(params (string Key, string Value)[] settings)
    {
        var factory = _root.WithWebHostBuilder(builder =>
        {
            TestGateway.Configure(builder, LocalInfra.Current.Redis, _upstream.Address);
            TestGateway.GiveRedisTime(builder);
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }

            builder.ConfigureTestServices(services => services.TrustTestTokens());
        });
        _gateways.Add(factory);
        return factory;
    }

    // An account whose allow-list holds only Allowed; returns its token.
    private static async Task<string> RestrictedAccountAsync(WebApplicationFactory<Program> gateway)
    {
        var account = Guid.NewGuid();
        await gateway.Services.GetRequiredService<AllowListCache>().StoreAsync(account, 1, [Allowed]);
        return TestTokens.For(account, AuthenticationExtensions.CustomerRole);
    }

    private static async Task<(int Status, string? Code)> GetProfileAsync(
        WebApplicationFactory<Program> gateway, string token, string from, params (string Name, string Value)[] headers)
    {
        var context = await gateway.Server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Get;
            c.Request.Path = "/api/profile";
            c.Connection.RemoteIpAddress = IPAddress.Parse(from);
            c.Request.Headers.Authorization = $"Bearer {token}";
            foreach (var (name, value) in headers)
            {
                c.Request.Headers.Append(name, value);
            }
        });
        string? code = null;
        if (context.Response.StatusCode >= 400)
        {
            using var problem = await JsonDocument.ParseAsync(context.Response.Body);
            code = problem.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
        }

        return (context.Response.StatusCode, code);
    }

    public static TheoryData<string, string> ForgedHeaders => new()
    {
        { "X-Forwarded-For", Allowed },
        { "X-Forwarded-For", $"{Allowed}, {Allowed}" },
        { "Forwarded", $"for={Allowed}" },
        { "X-Real-IP", Allowed },
        { "X-Original-For", Allowed },
    };

    [Theory]
    [MemberData(nameof(ForgedHeaders))]
    public async Task In_the_shipped_configuration_no_header_from_any_peer_passes_the_allow_list(
        string header, string value)
    {
        var gateway = Gateway();
        var token = await RestrictedAccountAsync(gateway);

        foreach (var peer in new[] { Outsider, "127.0.0.1", "::1", Proxy })
        {
            Assert.Equal((403, "ip_not_allowed"), await GetProfileAsync(gateway, token, peer, (header, value)));
        }

        Assert.Equal((200, null), await GetProfileAsync(gateway, token, Allowed));
        Assert.Equal((200, null), await GetProfileAsync(gateway, token, $"::ffff:{Allowed}"));
    }

    [Fact]
    public async Task The_frameworks_forwarded_headers_switch_does_not_make_the_gateway_trust_everyone()
    {
        var gateway = Gateway(("FORWARDEDHEADERS_ENABLED", "true"));
        var token = await RestrictedAccountAsync(gateway);

        Assert.Equal((403, "ip_not_allowed"),
            await GetProfileAsync(gateway, token, Outsider, ("X-Forwarded-For", Allowed)));
        Assert.Equal((403, "ip_not_allowed"),
            await GetProfileAsync(gateway, token, "127.0.0.1", ("X-Forwarded-For", Allowed)));
    }

    [Fact]
    public async Task With_a_trusted_proxy_only_the_hop_it_appended_counts()
    {
        var gateway = Gateway(("ForwardedHeaders:KnownProxies:0", Proxy));
        var token = await RestrictedAccountAsync(gateway);

        Assert.Equal((200, null), await GetProfileAsync(gateway, token, Proxy, ("X-Forwarded-For", Allowed)));
        Assert.Equal((200, null),
            await GetProfileAsync(gateway, token, Proxy, ("X-Forwarded-For", $"::ffff:{Allowed}")));
        // The client wrote the first entry; the proxy appended the real address.
        Assert.Equal((403, "ip_not_allowed"),
            await GetProfileAsync(gateway, token, Proxy, ("X-Forwarded-For", $"{Allowed}, {Outsider}")));
        // Anyone else, loopback included, is a client, whatever it claims.
        Assert.Equal((403, "ip_not_allowed"),
            await GetProfileAsync(gateway, token, Outsider, ("X-Forwarded-For", Allowed)));
        Assert.Equal((403, "ip_not_allowed"),
            await GetProfileAsync(gateway, token, "127.0.0.1", ("X-Forwarded-For", Allowed)));
        // The proxy's other headers are not address headers.
        Assert.Equal((403, "ip_not_allowed"), await GetProfileAsync(gateway, token, Proxy, ("X-Real-IP", Allowed)));
        Assert.Equal((403, "ip_not_allowed"),
            await GetProfileAsync(gateway, token, Proxy, ("Forwarded", $"for={Allowed}")));
    }

    [Fact]
    public async Task The_service_behind_learns_the_client_address_from_the_gateway_alone()
    {
        var gateway = Gateway();
        var account = Guid.NewGuid();
        await gateway.Services.GetRequiredService<AllowListCache>().StoreAsync(account, 1, []);
        var token = TestTokens.For(account, AuthenticationExtensions.CustomerRole);

        Assert.Equal(200, (await GetProfileAsync(gateway, token, Outsider,
            ("X-Forwarded-For", Allowed), ("Forwarded", $"for={Allowed}"), ("X-Real-IP", Allowed),
            ("X-Forwarded-Host", "evil.example"))).Status);

        Assert.Equal([Outsider], _upstream.LastHeader("X-Forwarded-For"));
        Assert.Empty(_upstream.LastHeader("Forwarded"));
        Assert.Empty(_upstream.LastHeader("X-Real-IP"));
        Assert.DoesNotContain("evil.example", _upstream.LastHeader("X-Forwarded-Host"));
    }

    [Fact]
    public async Task An_access_token_in_the_query_string_is_refused()
    {
        var gateway = Gateway();
        var token = TestTokens.For(Guid.NewGuid(), AuthenticationExtensions.CustomerRole);
        using var http = gateway.CreateClient();

        foreach (var name in new[] { "access_token", "ACCESS_TOKEN" })
        {
            using var response = await http.GetAsync(new Uri($"/api/profile?{name}={token}", UriKind.Relative));
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("token_in_query", problem.RootElement.GetProperty("code").GetString());
        }

        Assert.Empty(_upstream.Requests);
    }
}
