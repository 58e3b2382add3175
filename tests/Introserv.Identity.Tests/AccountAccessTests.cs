using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Introserv.Identity.Grpc;

namespace Introserv.Identity.Tests;

// The gateway's internal gRPC at Identity: service tokens only (client-credentials grant).
public sealed class AccountAccessTests(IdentityServiceFactory factory)
    : IClassFixture<IdentityServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private AccountAccess.AccountAccessClient Client(string? accessToken) => new(factory.GrpcChannel(accessToken));

    private async Task<HttpResponseMessage> ClientCredentialsAsync(string secret)
    {
        using var http = factory.CreateClient();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = IdentityServiceFactory.ServiceClientId,
            ["client_secret"] = secret,
        });
        return await http.PostAsync(new Uri("/connect/token", UriKind.Relative), form);
    }

    [Fact]
    public async Task A_service_token_reads_allow_lists_and_reports_last_access()
    {
        var (id, login, password) = await factory.RegisterAsync();
        var customer = await factory.NewBrowser().SignInAsync(login, password);
        using var api = factory.Api(customer.AccessToken);
        await api.PutAsJsonAsync("/api/account/ip-allow-list", new { entries = new[] { "192.0.2.0/24" } });
        using var tokenResponse = await ClientCredentialsAsync(IdentityServiceFactory.ServiceClientSecret);
        Assert.Equal(HttpStatusCode.OK, tokenResponse.StatusCode);
        var serviceToken = (await tokenResponse.Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("access_token")
            .GetString()!;
        var claims = Introserv.Testing.OidcBrowser.ReadJwtPayload(serviceToken);
        Assert.Equal("service", claims.GetProperty("role").GetString());
        var access = Client(serviceToken);

        var list = await access.GetIpAllowListAsync(new GetIpAllowListRequest { AccountId = id.ToString() });
        Assert.True(list.AccountFound);
        Assert.Equal(["192.0.2.0/24"], list.Entries);
        Assert.Equal(1, list.Version);

        var at = factory.Clock.GetUtcNow().AddSeconds(1);
        var reply = await access.ReportAccessAsync(new ReportAccessRequest
        {
            Reports =
            {
                new AccessReport
                {
                    AccountId = id.ToString(),
                    Ip = "192.0.2.44",
                    At = Timestamp.FromDateTimeOffset(at)
                },
                new AccessReport
                {
                    AccountId = id.ToString(),
                    Ip = "192.0.2.45",
                    At = Timestamp.FromDateTimeOffset(at.AddMinutes(-5))
                },
            },
        });
        Assert.Equal(1, reply.Accepted); // the older report never overwrites the newer one
        var security = await api.GetFromJsonAsync<JsonElement>("/api/account/security");
        Assert.Equal("192.0.2.44", security.GetProperty("lastAccess").GetProperty("ip").GetString());
    }

    [Fact]
    public async Task Customers_anonymous_callers_and_wrong_secrets_are_refused()
    {
        var (id, login, password) = await factory.RegisterAsync();
        var customer = await factory.NewBrowser().SignInAsync(login, password);
        var request = new GetIpAllowListRequest { AccountId = id.ToString() };

        var asCustomer = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client(customer.AccessToken).GetIpAllowListAsync(request));
        Assert.Equal(StatusCode.PermissionDenied, asCustomer.StatusCode);
        var anonymous = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client(null).GetIpAllowListAsync(request));
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
        using var wrongSecret = await ClientCredentialsAsync("not-the-secret-not-the-secret-not-the-secret");
        Assert.False(wrongSecret.IsSuccessStatusCode);
        Assert.Equal("invalid_client",
            (await wrongSecret.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }
}
