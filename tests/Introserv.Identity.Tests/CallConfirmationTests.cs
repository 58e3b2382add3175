using Grpc.Core;
using Introserv.Identity.Data;
using Introserv.Identity.Grpc;

namespace Introserv.Identity.Tests;

// "Confirm sensitive operations by call" on Identity's side, with Verification unreachable (a closed port): the
// setting replaces the recent-sign-in rule with a token per operation, nothing changes without one, and an outage of
// Verification refuses with 503 rather than letting the change through. The whole chain (a real call through the
// development telephony gateway) runs in the end-to-end tests.
public sealed class CallConfirmationTests(IdentityServiceFactory factory)
    : IClassFixture<IdentityServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task With_the_setting_on_a_fresh_sign_in_is_not_enough_and_an_unreachable_verification_refuses()
    {
        var (id, login, password) = await factory.RegisterAsync();
        await ConfirmByCallAsync(id);
        using var api = factory.Api((await factory.NewBrowser().SignInAsync(login, password)).AccessToken);

        using var refused = await api.PutAsJsonAsync(
            "/api/account/ip-allow-list", new { entries = Array.Empty<string>() });
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/account/ip-allow-list")
        {
            Content = JsonContent.Create(new { entries = Array.Empty<string>() }),
        };
        request.Headers.Add("Step-Up-Token", "a-token-nobody-can-check");
        using var unavailable = await api.SendAsync(request);
        var overview = await api.GetFromJsonAsync<JsonElement>("/api/account/security");

        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("step_up_required", problem.GetProperty("code").GetString());
        Assert.Equal(["call", "sms"], problem.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal("change_ip_allow_list", problem.GetProperty("operation").GetString());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);
        Assert.Equal("confirmation_unavailable",
            (await unavailable.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Empty(overview.GetProperty("ipAllowList").GetProperty("entries").EnumerateArray());
        Assert.True(overview.GetProperty("callConfirmation").GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task Turning_it_on_needs_the_verified_phone_verification_holds()
    {
        var (_, login, password) = await factory.RegisterAsync();
        using var api = factory.Api((await factory.NewBrowser().SignInAsync(login, password)).AccessToken);

        using var response = await api.PutAsJsonAsync("/api/account/call-confirmation", new { enabled = true });
        using var malformed = await api.PutAsJsonAsync("/api/account/call-confirmation", new { enabled = "yes" });
        var overview = await api.GetFromJsonAsync<JsonElement>("/api/account/security");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("confirmation_unavailable",
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.False(overview.GetProperty("callConfirmation").GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task Other_services_ask_over_grpc_with_a_service_token()
    {
        var (id, _, _) = await factory.RegisterAsync();
        var (byCall, _, _) = await factory.RegisterAsync();
        await ConfirmByCallAsync(byCall);
        var access = new AccountAccess.AccountAccessClient(factory.GrpcChannel(await ServiceTokenAsync()));

        var notRequired = await access.ConfirmOperationAsync(Request(id, "confirm_order", ""));
        var required = await access.ConfirmOperationAsync(Request(byCall, "confirm_order", ""));
        var unknown = await access.ConfirmOperationAsync(Request(Guid.NewGuid(), "confirm_order", ""));
        var badOperation = await Assert.ThrowsAsync<RpcException>(
            () => access.ConfirmOperationAsync(Request(id, "anything", "")).ResponseAsync);
        var unavailable = await Assert.ThrowsAsync<RpcException>(
            () => access.ConfirmOperationAsync(Request(byCall, "confirm_order", "some-token")).ResponseAsync);
        var (_, login, password) = await factory.RegisterAsync();
        var customer = new AccountAccess.AccountAccessClient(
            factory.GrpcChannel((await factory.NewBrowser().SignInAsync(login, password)).AccessToken));

        Assert.Equal(ConfirmOperationReply.Types.Outcome.NotRequired, notRequired.Outcome);
        Assert.Equal(ConfirmOperationReply.Types.Outcome.TokenRequired, required.Outcome);
        Assert.Equal(ConfirmOperationReply.Types.Outcome.AccountNotFound, unknown.Outcome);
        Assert.Equal(StatusCode.InvalidArgument, badOperation.StatusCode);
        Assert.Equal(StatusCode.Unavailable, unavailable.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, (await Assert.ThrowsAsync<RpcException>(
            () => customer.ConfirmOperationAsync(Request(id, "confirm_order", "")).ResponseAsync)).StatusCode);
    }

    private static ConfirmOperationRequest Request(Guid accountId, string operation, string token) => new()
    {
        AccountId = accountId.ToString(),
        Operation = operation,
        StepUpToken = token,
    };

    private async Task ConfirmByCallAsync(Guid accountId)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityServiceDbContext>();
        await db.Users.Where(a => a.Id == accountId).ExecuteUpdateAsync(u => u
            .SetProperty(a => a.ConfirmOperationsByCall, true)
            .SetProperty(a => a.ConfirmOperationsByCallSince, DateTimeOffset.UtcNow));
    }

    private async Task<string> ServiceTokenAsync()
    {
        using var http = factory.CreateClient();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials",
            ["client_id"] = IdentityServiceFactory.ServiceClientId,
            ["client_secret"] = IdentityServiceFactory.ServiceClientSecret,
        });
        using var response = await http.PostAsync(new Uri("/connect/token", UriKind.Relative), form);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("access_token").GetString()!;
    }
}
