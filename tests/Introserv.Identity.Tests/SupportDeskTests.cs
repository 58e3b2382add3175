using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Data;
using OtpNet;
using static Introserv.Testing.JsonApi;

namespace Introserv.Identity.Tests;

// The support desk over HTTP: staff check the security code a caller reads out, and only after a passed check clear
// a locked-out customer's allow-list or second factor, with a reason that is audited and reaches the customer.
public sealed class SupportDeskTests(IdentityServiceFactory factory)
    : IClassFixture<IdentityServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private const string Code = "blue-heron-81";

    private async Task<HttpClient> StaffAsync() =>
        factory.Api((await factory.NewBrowser().SignInAsync(
            IdentityServiceFactory.StaffLogin, IdentityServiceFactory.StaffPassword)).AccessToken);

    // A customer with a security code, an allow-list that excludes where they are now, and an authenticator.
    private async Task<(Guid Id, string Login, string Password)> LockedOutCustomerAsync()
    {
        var (id, login, password) = await factory.RegisterAsync();
        var tokens = await factory.NewBrowser().SignInAsync(login, password);
        using var api = factory.Api(tokens.AccessToken);
        using var code = await api.PutAsJsonAsync("/api/account/security-code", new { code = Code });
        Assert.Equal(HttpStatusCode.NoContent, code.StatusCode);
        using var begin = await api.PostAsync("/api/account/two-factor/totp", null);
        var secret = (await begin.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
        using var confirm = await api.PostAsJsonAsync("/api/account/two-factor/totp/confirm",
            new { code = new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp(factory.Clock.GetUtcNow().UtcDateTime) });
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        using var list = await api.PutAsJsonAsync("/api/account/ip-allow-list",
            new { entries = new[] { "198.51.100.0/24" }, confirmLockOut = true });
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        return (id, login, password);
    }

    [Fact]
    public async Task Staff_clear_a_locked_out_customers_allow_list_and_second_factor_only_after_a_passed_code_check()
    {
        var (id, _, _) = await LockedOutCustomerAsync();
        using var staff = await StaffAsync();
        var account = $"/api/staff/accounts/{id}";

        var (early, earlyBody) = await PostAsync(staff, $"{account}/ip-allow-list/clear",
            new { reason = "Customer locked out, moved office" });
        var (wrong, wrongBody) = await PostAsync(staff, $"{account}/security-code/check",
            new { code = "not-the-code" });
        var (afterWrong, _) = await PostAsync(staff, $"{account}/ip-allow-list/clear",
            new { reason = "Customer locked out, moved office" });
        var (match, matchBody) = await PostAsync(staff, $"{account}/security-code/check", new { code = Code });
        var (cleared, clearedBody) = await PostAsync(staff, $"{account}/ip-allow-list/clear",
            new { reason = "Customer locked out, moved office" });
        var (again, againBody) = await PostAsync(staff, $"{account}/ip-allow-list/clear",
            new { reason = "Customer locked out, moved office" });
        var (twoFactor, _) = await PostAsync(staff, $"{account}/two-factor/clear",
            new { reason = "Phone with the authenticator was lost" });
        var (noReason, noReasonBody) = await PostAsync(staff, $"{account}/two-factor/clear", new { reason = "" });
        var (nothingByCall, nothingByCallBody) = await PostAsync(staff, $"{account}/call-confirmation/clear",
            new { reason = "Phone lost" });
        await using (var setup = factory.Services.CreateAsyncScope())
        {
            await setup.ServiceProvider.GetRequiredService<IdentityServiceDbContext>().Users
                .Where(a => a.Id == id)
                .ExecuteUpdateAsync(u => u.SetProperty(a => a.ConfirmOperationsByCall, true));
        }

        var (byCall, _) = await PostAsync(staff, $"{account}/call-confirmation/clear", new { reason = "Phone lost" });

        Assert.Equal((HttpStatusCode.Forbidden, "security_code_check_required"),
            (early, earlyBody.GetProperty("code").GetString()));
        Assert.Equal((HttpStatusCode.OK, "mismatch", 4),
            (wrong, wrongBody.GetProperty("result").GetString(), wrongBody.GetProperty("attemptsLeft").GetInt32()));
        Assert.Equal(HttpStatusCode.Forbidden, afterWrong);
        Assert.Equal((HttpStatusCode.OK, "match"), (match, matchBody.GetProperty("result").GetString()));
        Assert.Equal((HttpStatusCode.OK, "ip_allow_list"), (cleared, clearedBody.GetProperty("cleared").GetString()));
        Assert.Equal((HttpStatusCode.Conflict, "nothing_to_clear"), (again, againBody.GetProperty("code").GetString()));
        Assert.Equal(HttpStatusCode.OK, twoFactor);
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"),
            (noReason, noReasonBody.GetProperty("code").GetString()));
        Assert.Equal((HttpStatusCode.Conflict, "nothing_to_clear"),
            (nothingByCall, nothingByCallBody.GetProperty("code").GetString()));
        Assert.Equal(HttpStatusCode.OK, byCall);

        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityServiceDbContext>();
        var stored = await db.Users.AsNoTracking().SingleAsync(a => a.Id == id);
        Assert.Empty(stored.IpAllowList);
        Assert.Null(stored.TotpSecret);
        Assert.False(stored.ConfirmOperationsByCall);
        Assert.False(await db.RecoveryCodes.AnyAsync(c => c.AccountId == id));
        var audit = await db.AuditEntries
            .AsNoTracking()
            .Where(e => e.AccountId == id)
            .Select(e => new { e.Action, e.Detail, e.ActorAccountId })
            .ToListAsync();
        Assert.Contains(audit, e => e.Action == "ip_allow_list_cleared_by_support"
            && e.Detail!.Contains("moved office", StringComparison.Ordinal)
            && e.ActorAccountId != null);
        Assert.Contains(audit, e => e.Action == "two_factor_cleared_by_support" && e.ActorAccountId != null);
        Assert.DoesNotContain(audit, e => e.Detail != null && e.Detail.Contains(Code, StringComparison.Ordinal));

        // The customer hears of both, with the reason: the events carry it to Notifications.
        var events = (await db.Set<OutboxMessage>()
                .AsNoTracking()
                .Where(m => m.MessageType.StartsWith("Introserv.Identity.Contracts."))
                .Select(m => m.Payload)
                .ToListAsync())
            .Where(p => p.Contains(id.ToString(), StringComparison.Ordinal))
            .Select(p => JsonDocument.Parse(p).RootElement.Clone())
            .ToList();
        string? ReasonOf(JsonElement e) =>
            e.TryGetProperty("supportReason", out var reason) ? reason.GetString() : null;
        Assert.Contains(events,
            e => ReasonOf(e) == "Customer locked out, moved office" && e.GetProperty("entries").GetArrayLength() == 0);
        Assert.Contains(events,
            e => ReasonOf(e) == "Phone with the authenticator was lost" && !e.GetProperty("enabled").GetBoolean());
        Assert.Contains(events, e => ReasonOf(e) == "Phone lost" && !e.GetProperty("enabled").GetBoolean());
        Assert.Contains(audit, e => e.Action == "call_confirmation_cleared_by_support" && e.ActorAccountId != null);
    }

    [Fact]
    public async Task Customers_cannot_use_the_desk_and_an_unknown_account_is_named()
    {
        var (id, _, _) = await LockedOutCustomerAsync();
        using var staff = await StaffAsync();
        var (match, _) = await PostAsync(staff, $"/api/staff/accounts/{id}/security-code/check", new { code = Code });
        Assert.Equal(HttpStatusCode.OK, match);

        // Another customer is not staff, whatever they know.
        var (_, otherLogin, otherPassword) = await factory.RegisterAsync();
        using var api = factory.Api((await factory.NewBrowser().SignInAsync(otherLogin, otherPassword)).AccessToken);
        var (byCustomer, _) = await PostAsync(api, $"/api/staff/accounts/{id}/ip-allow-list/clear",
            new { reason = "I am support now" });
        var (checkByCustomer, _) = await PostAsync(
            api, $"/api/staff/accounts/{id}/security-code/check", new { code = Code });
        var (unknown, unknownBody) = await PostAsync(
            staff, $"/api/staff/accounts/{Guid.NewGuid()}/security-code/check", new { code = Code });

        Assert.Equal(HttpStatusCode.Forbidden, byCustomer);
        Assert.Equal(HttpStatusCode.Forbidden, checkByCustomer);
        Assert.Equal((HttpStatusCode.NotFound, "customer_not_found"),
            (unknown, unknownBody.GetProperty("code").GetString()));
    }

    [Fact]
    public async Task Twenty_parallel_wrong_codes_use_up_the_attempts_once_and_then_even_the_right_code_is_refused()
    {
        var (id, _, _) = await LockedOutCustomerAsync();
        using var staff = await StaffAsync();

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            PostAsync(staff, $"/api/staff/accounts/{id}/security-code/check", new { code = $"guess-{i:00}" })));
        using var right = await staff.PostAsJsonAsync(
            $"/api/staff/accounts/{id}/security-code/check", new { code = Code });

        Assert.Equal(5, answers.Count(a => a.Status == HttpStatusCode.OK));
        Assert.Equal(15, answers.Count(a => a.Status == HttpStatusCode.TooManyRequests
            && a.Body.GetProperty("code").GetString() == "security_code_checks_locked"));
        Assert.Equal(HttpStatusCode.TooManyRequests, right.StatusCode);
        Assert.NotNull(right.Headers.RetryAfter);
    }
}
