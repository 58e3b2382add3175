using Introserv.Gateway.AllowLists;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;

namespace Introserv.Gateway.Tests;

// An invoice mail's signed link carries no token, so the gateway holds it to the allow-list of the account it names,
// in the shipped configuration (no trusted proxy): from outside the list nothing reaches Orders, whatever the
// headers, the spelling of the path or the token of another account sent along.
public sealed class InvoiceLinkAllowListTests : IAsyncLifetime, IDisposable
{
    private const string Allowed = "203.0.113.7";
    private const string Outsider = "198.51.100.1";

    private readonly RecordingUpstream _upstream = new();
    private readonly WebApplicationFactory<Program> _root = new();
    private WebApplicationFactory<Program> _gateway = null!;

    public Task InitializeAsync()
    {
        _gateway = _root.WithWebHostBuilder(builder =>
        {
            TestGateway.Configure(builder, LocalInfra.Current.Redis, _upstream.Address);
            TestGateway.GiveRedisTime(builder);
            builder.UseSetting("services:orders:http:0", _upstream.Address.ToString());
            builder.ConfigureTestServices(services => services.TrustTestTokens());
        });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    public void Dispose()
    {
        _root.Dispose();
        _upstream.Dispose();
    }

    private async Task<Guid> RestrictedAccountAsync(params string[] allowList)
    {
        var account = Guid.NewGuid();
        await _gateway.Services.GetRequiredService<AllowListCache>().StoreAsync(account, 1, allowList);
        return account;
    }

    private async Task<(int Status, string? Code)> SendAsync(
        string path, string from, string method = "GET", string? token = null,
        params (string Name, string Value)[] headers)
    {
        var context = await _gateway.Server.SendAsync(c =>
        {
            c.Request.Method = method;
            var query = path.IndexOf('?', StringComparison.Ordinal);
            c.Request.Path = query < 0 ? path : path[..query];
            c.Request.QueryString = query < 0 ? QueryString.Empty : new QueryString(path[query..]);
            c.Connection.RemoteIpAddress = IPAddress.Parse(from);
            if (token is not null)
            {
                c.Request.Headers.Authorization = $"Bearer {token}";
            }

            foreach (var (name, value) in headers)
            {
                c.Request.Headers.Append(name, value);
            }
        });
        string? code = null;
        if (context.Response.StatusCode >= 400
            && context.Response.ContentType?.StartsWith("application/problem+json", StringComparison.Ordinal) == true)
        {
            using var problem = await JsonDocument.ParseAsync(context.Response.Body);
            code = problem.RootElement.TryGetProperty("code", out var c) ? c.GetString() : null;
        }

        return (context.Response.StatusCode, code);
    }

    private int ForwardedFor(Guid account) =>
        _upstream.Requests.Count(r => r.Contains(account.ToString("N")[..8], StringComparison.OrdinalIgnoreCase));

    [Fact]
    public async Task A_link_is_held_to_the_allow_list_of_the_account_it_names()
    {
        var account = await RestrictedAccountAsync(Allowed);
        var invoice = Guid.NewGuid();
        var link = $"/api/invoice-links/{account:D}/{invoice:D}/pdf?expires=1&signature=x";

        Assert.Equal((403, "ip_not_allowed"), await SendAsync(link, Outsider));
        Assert.Equal((403, "ip_not_allowed"), await SendAsync(link, Outsider, headers: ("X-Forwarded-For", Allowed)));
        Assert.Equal(
            (403, "ip_not_allowed"), await SendAsync(link, "127.0.0.1", headers: ("Forwarded", $"for={Allowed}")));
        // The account however the route would read it: other GUID formats, other letter cases.
        foreach (var spelled in new[]
        {
            $"/api/invoice-links/{account:N}/{invoice:D}/pdf?expires=1&signature=x",
            $"/api/invoice-links/{account.ToString("D").ToUpperInvariant()}/{invoice:D}/pdf?expires=1&signature=x",
            $"/api/invoice-links/{{{account:D}}}/{invoice:D}/pdf?expires=1&signature=x",
            $"/API/Invoice-Links/{account:D}/{invoice:D}/pdf?expires=1&signature=x",
        })
        {
            Assert.Equal((403, "ip_not_allowed"), await SendAsync(spelled, Outsider));
        }

        // Another account's token, whose own list admits the outsider, does not lift the named account's list.
        var open = await RestrictedAccountAsync(Outsider);
        Assert.Equal((403, "ip_not_allowed"), await SendAsync(
            link, Outsider, token: TestTokens.For(open, AuthenticationExtensions.CustomerRole)));
        Assert.Equal(0, ForwardedFor(account));

        // From the listed address the link reaches Orders (which checks its signature).
        Assert.Equal((200, null), await SendAsync(link, Allowed));
        Assert.Equal(1, ForwardedFor(account));
    }

    [Fact]
    public async Task A_link_of_an_account_without_a_list_passes_and_a_path_without_an_account_does_not()
    {
        // An empty list: the account restricts nothing (Identity is not reachable here, so the gateway is told).
        var account = await RestrictedAccountAsync();
        var invoice = Guid.NewGuid();

        Assert.Equal((200, null), await SendAsync(
            $"/api/invoice-links/{account:D}/{invoice:D}/pdf?expires=1&signature=x", Outsider));
        foreach (var path in new[]
        {
            "/api/invoice-links",
            "/api/invoice-links/",
            $"/api/invoice-links//{account:D}/{invoice:D}/pdf",
            $"/api/invoice-links/me/{invoice:D}/pdf",
            $"/api/invoice-links/{account:D}x/{invoice:D}/pdf",
        })
        {
            Assert.Equal((404, "not_found"), await SendAsync(path, Outsider));
        }

        // Only GET is routed.
        var (status, _) = await SendAsync(
            $"/api/invoice-links/{account:D}/{invoice:D}/pdf?expires=1&signature=x", Outsider, "POST");
        Assert.NotEqual(200, status);
        Assert.Equal(1, ForwardedFor(account));
    }
}
