using Grpc.Core;
using Introserv.Identity.Grpc;
using static Introserv.Identity.Grpc.CheckSecurityCodeReply.Types;

namespace Introserv.Identity.Tests;

// The gRPC security-code check for support tooling: staff only, attempt limit, audited.
public sealed class SupportSecurityCodeTests(IdentityServiceFactory factory)
    : IClassFixture<IdentityServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private AccountSupport.AccountSupportClient Client(string accessToken) => new(factory.GrpcChannel(accessToken));

    private async Task<string> StaffTokenAsync() =>
        (await factory.NewBrowser().SignInAsync(
            IdentityServiceFactory.StaffLogin, IdentityServiceFactory.StaffPassword)).AccessToken;

    [Fact]
    public async Task Staff_check_a_code_with_an_attempt_limit_and_every_check_is_audited_for_the_customer()
    {
        var (_, login, password) = await factory.RegisterAsync();
        var customer = await factory.NewBrowser().SignInAsync(login, password);
        using var api = factory.Api(customer.AccessToken);
        var support = Client(await StaffTokenAsync());

        Assert.Equal(Result.NotSet, (await support.CheckSecurityCodeAsync(
            new CheckSecurityCodeRequest { Login = login, Code = "anything" })).Result);
        await api.PutAsJsonAsync("/api/account/security-code", new { code = "orange-kite-5" });

        var match = await support.CheckSecurityCodeAsync(
            new CheckSecurityCodeRequest { Login = login.ToUpperInvariant(), Code = "orange-kite-5" });
        Assert.Equal(Result.Match, match.Result);
        for (var i = 0; i < 5; i++)
        {
            var wrong = await support.CheckSecurityCodeAsync(
                new CheckSecurityCodeRequest { Login = login, Code = $"wrong-{i}" });
            Assert.Equal(Result.Mismatch, wrong.Result);
            Assert.Equal(4 - i, wrong.AttemptsLeft);
        }

        // Locked now, even for the right code.
        var locked = await support.CheckSecurityCodeAsync(
            new CheckSecurityCodeRequest { Login = login, Code = "orange-kite-5" });
        Assert.Equal(Result.Locked, locked.Result);
        Assert.InRange(locked.RetryAfterSeconds, 1, 3600);

        var audit = await api.GetFromJsonAsync<JsonElement>("/api/account/audit?limit=20");
        var checks = audit.GetProperty("items").EnumerateArray()
            .Where(e =>
                e.GetProperty("action").GetString()!.StartsWith("security_code_check", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(8, checks.Count);
        Assert.All(checks, e => Assert.True(e.GetProperty("byStaff").GetBoolean()));
        Assert.DoesNotContain("orange", audit.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-", audit.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Customers_cannot_use_the_support_check()
    {
        var (_, login, password) = await factory.RegisterAsync();
        var customer = await factory.NewBrowser().SignInAsync(login, password);

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client(customer.AccessToken).CheckSecurityCodeAsync(
                new CheckSecurityCodeRequest { Login = login, Code = "x1234" }));
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);

        var anonymous = await Assert.ThrowsAsync<RpcException>(async () =>
            await Client("not-a-token").CheckSecurityCodeAsync(
                new CheckSecurityCodeRequest { Login = login, Code = "x1234" }));
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
    }

    [Fact]
    public async Task An_unknown_login_or_an_empty_request_is_answered_plainly()
    {
        var support = Client(await StaffTokenAsync());

        Assert.Equal(Result.AccountNotFound,
            (await support.CheckSecurityCodeAsync(
                new CheckSecurityCodeRequest { Login = "no.such.login", Code = "x1234" })).Result);
        var invalid = await Assert.ThrowsAsync<RpcException>(async () =>
            await support.CheckSecurityCodeAsync(new CheckSecurityCodeRequest { Login = "", Code = "" }));
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
    }
}
