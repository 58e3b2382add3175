using System.Globalization;
using Introserv.Gateway.AllowLists;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;

namespace Introserv.Gateway.Tests;

// Every error the gateway answers itself is a problem document with its code and trace id whatever the client's
// Accept header lists: a front end that asks for HTML or XML (or a library that sends text/plain) still learns why it
// was refused. Shipped configuration, requests from chosen socket addresses.
public sealed class ProblemBodyTests : IAsyncLifetime, IDisposable
{
    private const string Allowed = "203.0.113.7";
    private const string Outsider = "198.51.100.1";

    private readonly RecordingUpstream _upstream = new();
    private readonly WebApplicationFactory<Program> _root = new();
    private WebApplicationFactory<Program>? _gateway;

    public static TheoryData<string> Accepts => new() { "text/html", "application/xml", "text/plain, image/*;q=0.8" };

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _root.Dispose();
        _upstream.Dispose();
    }

    private WebApplicationFactory<Program> Gateway() => _gateway ??= _root.WithWebHostBuilder(builder =>
    {
        TestGateway.Configure(builder, LocalInfra.Current.Redis, _upstream.Address);
        TestGateway.GiveRedisTime(builder);
        builder.UseSetting("RateLimits:api:PermitLimit", "3");
        builder.UseSetting("RateLimits:api:Window", "01:00:00");
        builder.ConfigureTestServices(services => services.TrustTestTokens());
    });

    private async Task<HttpContext> SendAsync(string path, string accept, string? token = null, string from = Allowed)
    {
        return await Gateway().Server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Get;
            var query = path.IndexOf('?', StringComparison.Ordinal);
            c.Request.Path = query < 0 ? path : path[..query];
            c.Request.QueryString = query < 0 ? QueryString.Empty : new QueryString(path[query..]);
            c.Connection.RemoteIpAddress = IPAddress.Parse(from);
            c.Request.Headers.Accept = accept;
            if (token is not null)
            {
                c.Request.Headers.Authorization = $"Bearer {token}";
            }
        });
    }

    private static async Task<JsonElement> ProblemAsync(HttpContext context, int status, string code)
    {
        Assert.Equal(status, context.Response.StatusCode);
        Assert.StartsWith("application/problem+json", context.Response.ContentType, StringComparison.Ordinal);
        using var document = await JsonDocument.ParseAsync(context.Response.Body);
        var problem = document.RootElement.Clone();
        Assert.Equal(code, problem.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("traceId").GetString()));
        return problem;
    }

    private async Task<string> RestrictedAccountAsync()
    {
        var account = Guid.NewGuid();
        await Gateway().Services.GetRequiredService<AllowListCache>().StoreAsync(account, 1, [Allowed]);
        return TestTokens.For(account, AuthenticationExtensions.CustomerRole);
    }

    [Theory]
    [MemberData(nameof(Accepts))]
    public async Task The_allow_list_refusal_has_a_body(string accept)
    {
        var token = await RestrictedAccountAsync();
        var refused = await SendAsync("/api/profile", accept, token, Outsider);

        var problem = await ProblemAsync(refused, 403, "ip_not_allowed");

        Assert.Equal(Outsider, problem.GetProperty("callerAddress").GetString());
        Assert.Empty(_upstream.Requests);
    }

    [Theory]
    [MemberData(nameof(Accepts))]
    public async Task The_rate_limit_refusal_has_a_body_and_says_when_to_come_back(string accept)
    {
        var token = await RestrictedAccountAsync();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(200, (await SendAsync("/api/profile", accept, token)).Response.StatusCode);
        }

        var refused = await SendAsync("/api/profile", accept, token);

        var problem = await ProblemAsync(refused, 429, "rate_limited");
        var seconds = problem.GetProperty("retryAfterSeconds").GetInt32();
        Assert.True(seconds > 0);
        Assert.Equal(seconds.ToString(CultureInfo.InvariantCulture), refused.Response.Headers.RetryAfter.ToString());
    }

    [Theory]
    [MemberData(nameof(Accepts))]
    public async Task A_token_in_the_query_string_and_a_missing_token_are_refused_with_a_body(string accept)
    {
        var token = TestTokens.For(Guid.NewGuid(), AuthenticationExtensions.CustomerRole);

        await ProblemAsync(await SendAsync($"/api/profile?access_token={token}", accept), 400, "token_in_query");
        await ProblemAsync(await SendAsync("/api/profile", accept), 401, "unauthorized");
        Assert.Empty(_upstream.Requests);
    }

    [Theory]
    [MemberData(nameof(Accepts))]
    public async Task An_unknown_route_is_a_full_problem(string accept)
    {
        await ProblemAsync(await SendAsync("/api/no-such-thing", accept), 404, "route_not_found");
    }
}
