using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Contracts;
using Introserv.Identity.Data;
using Introserv.Identity.Features.SignIn;
using Npgsql;

namespace Introserv.Identity.Tests;

// The account security section against real PostgreSQL, with tokens from the real sign-in flow.
public sealed class SecurityTests(IdentityServiceFactory factory)
    : IClassFixture<IdentityServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<(Guid Id, string Login, string Password, OidcBrowser Browser, TokenSet Tokens)>
        SignedInCustomerAsync(string address = IdentityServiceFactory.ClientAddress)
    {
        var (id, login, password) = await factory.RegisterAsync();
        var browser = factory.NewBrowser(address);
        return (id, login, password, browser, await browser.SignInAsync(login, password));
    }

    private static async Task<string?> CodeOf(HttpResponseMessage response)
    {
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return body.TryGetProperty("code", out var code) ? code.GetString() : null;
    }

    private async Task<List<T>> OutboxAsync<T>(Func<T, bool> predicate)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityServiceDbContext>();
        var rows = await db.Set<OutboxMessage>()
            .Where(m => m.MessageType.StartsWith(typeof(T).FullName!))
            .ToListAsync();
        return rows.Select(m => JsonSerializer.Deserialize<T>(m.Payload, JsonSerializerOptions.Web)!)
            .Where(predicate)
            .ToList();
    }

    [Fact]
    public async Task The_security_code_is_set_once_stored_hashed_and_never_shown()
    {
        var (id, _, _, _, tokens) = await SignedInCustomerAsync();
        using var api = factory.Api(tokens.AccessToken);

        using var first = await api.PutAsJsonAsync("/api/account/security-code", new { code = "blue-pelican-1984" });
        Assert.Equal(HttpStatusCode.NoContent, first.StatusCode);
        using var second = await api.PutAsJsonAsync("/api/account/security-code", new { code = "another-code" });
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Equal("security_code_already_set", await CodeOf(second));

        var security = await api.GetStringAsync("/api/account/security");
        Assert.Contains("\"securityCodeSet\":true", security, StringComparison.Ordinal);
        Assert.DoesNotContain("pelican", security, StringComparison.Ordinal);
        Assert.DoesNotContain("pelican", await api.GetStringAsync("/api/account/audit"), StringComparison.Ordinal);

        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityServiceDbContext>();
        var hash = (await db.Users.SingleAsync(a => a.Id == id)).SecurityCodeHash!;
        Assert.DoesNotContain("pelican", hash, StringComparison.Ordinal);
        Assert.Equal(0x01, Convert.FromBase64String(hash)[0]); // PBKDF2 (Identity V3 format)
    }

    [Fact]
    public async Task Two_concurrent_attempts_to_set_the_security_code_set_it_exactly_once()
    {
        var (_, _, _, _, tokens) = await SignedInCustomerAsync();
        using var api = factory.Api(tokens.AccessToken);

        var responses = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            api.PutAsJsonAsync("/api/account/security-code", new { code = $"racing-code-{i}" })));

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.NoContent);
        Assert.Equal(3, responses.Count(r => r.StatusCode == HttpStatusCode.Conflict));
    }

    [Fact]
    public async Task An_invalid_security_code_is_a_validation_error()
    {
        var (_, _, _, _, tokens) = await SignedInCustomerAsync();
        using var api = factory.Api(tokens.AccessToken);

        using var response = await api.PutAsJsonAsync("/api/account/security-code", new { code = "ab" });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("validation_failed", await CodeOf(response));
    }

    [Fact]
    public async Task Sensitive_changes_need_a_recent_sign_in_or_a_step_up()
    {
        var (_, _, password, browser, tokens) = await SignedInCustomerAsync();
        factory.Clock.Advance(TimeSpan.FromMinutes(11));
        var refreshed = await OidcBrowser.ReadTokensAsync(await browser.RefreshAsync(tokens.RefreshToken!));
        using var api = factory.Api(refreshed.AccessToken);

        using var refused = await api.PutAsJsonAsync("/api/account/security-code", new { code = "late-code-1" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("step_up_required", problem.GetProperty("code").GetString());
        Assert.Equal(["password"], problem.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));

        using var allowList = await api.PutAsJsonAsync("/api/account/ip-allow-list",
            new { entries = new[] { "192.0.2.0/24" } });
        Assert.Equal("step_up_required", await CodeOf(allowList));
        using var passwordChange = await api.PostAsJsonAsync("/api/account/password",
            new
            {
                currentPassword = password,
                newPassword = "late night 42 trains",
                confirmPassword = "late night 42 trains"
            });
        Assert.Equal("step_up_required", await CodeOf(passwordChange));

        using var wrong = await api.PostAsJsonAsync("/api/account/step-up", new { password = "not my password" });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Equal("invalid_password", await CodeOf(wrong));

        using var stepUp = await api.PostAsJsonAsync("/api/account/step-up", new { password });
        Assert.Equal(HttpStatusCode.NoContent, stepUp.StatusCode);
        using var accepted = await api.PutAsJsonAsync("/api/account/security-code", new { code = "late-code-1" });
        Assert.Equal(HttpStatusCode.NoContent, accepted.StatusCode);
    }

    [Fact]
    public async Task A_list_without_the_callers_address_needs_confirmation_then_holds_at_sign_in_and_refresh()
    {
        var (id, login, password, browser, tokens) = await SignedInCustomerAsync();
        using var api = factory.Api(tokens.AccessToken);

        using var lockOut = await api.PutAsJsonAsync("/api/account/ip-allow-list",
            new { entries = new[] { "10.0.0.0/8", "2001:db8::1-2001:db8::ff" } });
        Assert.Equal(HttpStatusCode.Conflict, lockOut.StatusCode);
        var problem = await lockOut.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("would_lock_out", problem.GetProperty("code").GetString());
        Assert.Equal(IdentityServiceFactory.ClientAddress, problem.GetProperty("callerAddress").GetString());

        using var confirmed = await api.PutAsJsonAsync("/api/account/ip-allow-list",
            new { entries = new[] { " 10.0.0.0/8", "2001:db8::1-2001:db8::ff" }, confirmLockOut = true });
        Assert.Equal(HttpStatusCode.OK, confirmed.StatusCode);
        var state = await confirmed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["10.0.0.0/8", "2001:db8::1-2001:db8::ff"],
            state.GetProperty("entries").EnumerateArray().Select(e => e.GetString()));
        var changed = Assert.Single(await OutboxAsync<IpAllowListChanged>(e => e.AccountId == id));
        Assert.Equal(state.GetProperty("version").GetInt64(), changed.Version);
        Assert.Equal(["10.0.0.0/8", "2001:db8::1-2001:db8::ff"], changed.Entries);

        // Sign-in: refused from outside the list, even with a forged X-Forwarded-For; allowed from inside,
        // including an IPv4-mapped IPv6 address.
        var outside = factory.NewBrowser();
        outside.Http.DefaultRequestHeaders.Add("X-Forwarded-For", "10.1.2.3");
        await outside.OpenLoginPageAsync();
        using var refusedSignIn = await outside.SubmitCredentialsAsync(login, password);
        Assert.Equal(HttpStatusCode.Forbidden, refusedSignIn.StatusCode);
        Assert.Contains(IdentityServiceFactory.ClientAddress, await refusedSignIn.Content.ReadAsStringAsync(),
            StringComparison.Ordinal);
        await factory.NewBrowser("10.1.2.3").SignInAsync(login, password);
        await factory.NewBrowser("::ffff:10.9.9.9").SignInAsync(login, password);
        await factory.NewBrowser("2001:db8::80").SignInAsync(login, password);

        // Refresh: refused from outside, allowed from inside.
        using var refusedRefresh = await browser.RefreshAsync(tokens.RefreshToken!);
        Assert.Equal(HttpStatusCode.BadRequest, refusedRefresh.StatusCode);
        var error = await refusedRefresh.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("invalid_grant", error.GetProperty("error").GetString());
        Assert.Equal("ip_not_allowed", error.GetProperty("error_description").GetString());
        await OidcBrowser.ReadTokensAsync(await factory.NewBrowser("10.200.0.1").RefreshAsync(tokens.RefreshToken!));
        var afterRefresh = await factory.Api(tokens.AccessToken, "10.1.2.3")
            .GetFromJsonAsync<JsonElement>("/api/account/security");
        Assert.Equal("10.200.0.1", afterRefresh.GetProperty("lastAccess").GetProperty("ip").GetString());

        // An empty list lifts the restriction.
        using var inside = factory.Api(tokens.AccessToken, "10.1.2.3");
        using var cleared = await inside.PutAsJsonAsync("/api/account/ip-allow-list",
            new { entries = Array.Empty<string>() });
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        await factory.NewBrowser().SignInAsync(login, password);
    }

    [Fact]
    public async Task Malformed_allow_list_entries_are_named_in_the_validation_error()
    {
        var (_, _, _, _, tokens) = await SignedInCustomerAsync();
        using var api = factory.Api(tokens.AccessToken);

        using var response = await api.PutAsJsonAsync("/api/account/ip-allow-list",
            new { entries = new[] { "192.0.2.10", "10.0.0.9-10.0.0.1", "10.0.0.1-2001:db8::1", "not-an-ip" } });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(["entries[1]", "entries[2]", "entries[3]"], errors.EnumerateObject().Select(p => p.Name));
        Assert.Contains("reversed", errors.GetProperty("entries[1]")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("not-an-ip", errors.GetProperty("entries[3]")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Changing_the_password_checks_the_rules_and_revokes_every_other_session()
    {
        var (id, login, password, _, current) = await SignedInCustomerAsync();
        var otherBrowser = factory.NewBrowser("192.0.2.99");
        var other = await otherBrowser.SignInAsync(login, password);
        using var api = factory.Api(current.AccessToken);
        const string newPassword = "amber falcon 77 rivers";

        using var wrongCurrent = await api.PostAsJsonAsync("/api/account/password",
            new { currentPassword = "not it at all", newPassword, confirmPassword = newPassword });
        Assert.Equal("current_password_incorrect", await CodeOf(wrongCurrent));
        using var mismatch = await api.PostAsJsonAsync("/api/account/password",
            new { currentPassword = password, newPassword, confirmPassword = newPassword + "x" });
        Assert.Equal(HttpStatusCode.BadRequest, mismatch.StatusCode);
        Assert.True((await mismatch.Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("errors")
            .TryGetProperty("confirmPassword", out _));
        using var weak = await api.PostAsJsonAsync("/api/account/password",
            new { currentPassword = password, newPassword = "password123", confirmPassword = "password123" });
        Assert.True((await weak.Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("errors")
            .TryGetProperty("newPassword", out _));
        using var same = await api.PostAsJsonAsync("/api/account/password",
            new { currentPassword = password, newPassword = password, confirmPassword = password });
        Assert.Equal("password_reused", await CodeOf(same));

        using var changed = await api.PostAsJsonAsync("/api/account/password",
            new { currentPassword = password, newPassword, confirmPassword = newPassword });
        Assert.Equal(HttpStatusCode.NoContent, changed.StatusCode);

        // The other session is gone at once: its refresh token and (at Identity) its access token.
        using var otherRefresh = await otherBrowser.RefreshAsync(other.RefreshToken!);
        Assert.Equal(HttpStatusCode.BadRequest, otherRefresh.StatusCode);
        using var otherApi = factory.Api(other.AccessToken, "192.0.2.99");
        Assert.Equal(HttpStatusCode.Unauthorized, (await otherApi.GetAsync("/api/account/security")).StatusCode);
        // The other browser's sign-in cookie no longer opens new sessions.
        using var silent = await otherBrowser.AuthorizeAsync();
        Assert.StartsWith("/account/login", silent.Headers.Location!.OriginalString, StringComparison.Ordinal);
        // The current session carries on.
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync("/api/account/security")).StatusCode);
        await OidcBrowser.ReadTokensAsync(await factory.NewBrowser().RefreshAsync(current.RefreshToken!));

        // Old password out, new one in; the previous password cannot come back.
        var retry = factory.NewBrowser();
        await retry.OpenLoginPageAsync();
        Assert.Equal(HttpStatusCode.Unauthorized, (await retry.SubmitCredentialsAsync(login, password)).StatusCode);
        var fresh = await factory.NewBrowser().SignInAsync(login, newPassword);
        using var freshApi = factory.Api(fresh.AccessToken);
        using var back = await freshApi.PostAsJsonAsync("/api/account/password",
            new { currentPassword = newPassword, newPassword = password, confirmPassword = password });
        Assert.Equal("password_reused", await CodeOf(back));

        Assert.Single(await OutboxAsync<PasswordChanged>(e => e.AccountId == id));
        var audit = await freshApi.GetFromJsonAsync<JsonElement>("/api/account/audit");
        Assert.Contains("password_changed",
            audit.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()));
        Assert.DoesNotContain("amber", audit.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sessions_login_history_and_audit_are_pages_that_skip_and_repeat_nothing()
    {
        var (_, login, password, _, current) = await SignedInCustomerAsync();
        for (var i = 0; i < 3; i++)
        {
            await factory.NewBrowser($"192.0.2.{30 + i}").SignInAsync(login, password);
        }

        using var api = factory.Api(current.AccessToken);
        foreach (var (path, count) in new[] { ("/api/account/sessions", 4), ("/api/account/login-history", 4) })
        {
            var seen = new List<string>();
            string? cursor = null;
            do
            {
                var page = await api.GetFromJsonAsync<JsonElement>(
                    cursor is null ? $"{path}?limit=3" : $"{path}?limit=3&cursor={cursor}");
                var items = page.GetProperty("items").EnumerateArray().ToList();
                Assert.InRange(items.Count, 1, 3);
                seen.AddRange(items.Select(e => e.GetProperty("id").ToString()));
                cursor = page.GetProperty("nextCursor").GetString();
                Assert.True(cursor is null || cursor.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'), cursor);
            }
            while (cursor is not null && seen.Count < 20);

            Assert.Equal(count, seen.Count);
            Assert.Equal(count, seen.Distinct().Count());
        }

        foreach (var path in new[] { "/api/account/sessions", "/api/account/login-history", "/api/account/audit" })
        {
            foreach (var (query, code) in new[]
            {
                ("limit=0", "invalid_parameter"),
                ("limit=101", "invalid_parameter"),
                ("cursor=nope", "invalid_cursor"),
                ("cursor=AAAAAAAAAAA", "invalid_cursor")
            })
            {
                using var refused = await api.GetAsync($"{path}?{query}");
                Assert.Equal((HttpStatusCode.BadRequest, code), (refused.StatusCode, await CodeOf(refused)));
            }
        }
    }

    [Fact]
    public async Task Sessions_are_listed_and_can_be_revoked_one_by_one_or_all_but_the_current()
    {
        var (_, login, password, _, current) = await SignedInCustomerAsync();
        var second = await factory.NewBrowser("192.0.2.21").SignInAsync(login, password);
        var third = await factory.NewBrowser("192.0.2.22").SignInAsync(login, password);
        using var api = factory.Api(current.AccessToken);

        var sessions = await api.GetFromJsonAsync<JsonElement>("/api/account/sessions");
        Assert.Equal(3, sessions.GetProperty("items").GetArrayLength());
        var secondId = OidcBrowser.ReadJwtPayload(second.AccessToken).GetProperty("sid").GetString();
        var listed = sessions.GetProperty("items")
            .EnumerateArray()
            .Single(s => s.GetProperty("id").GetString() == secondId);
        Assert.Equal("192.0.2.21", listed.GetProperty("createdIp").GetString());
        Assert.False(listed.GetProperty("current").GetBoolean());

        Assert.Equal(HttpStatusCode.NoContent, (await api.DeleteAsync($"/api/account/sessions/{secondId}")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await factory.NewBrowser().RefreshAsync(second.RefreshToken!)).StatusCode);
        using var missing = await api.DeleteAsync($"/api/account/sessions/{secondId}");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("session_not_found", await CodeOf(missing));

        using var others = await api.PostAsync("/api/account/sessions/revoke-others", null);
        Assert.Equal(1, (await others.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("revoked").GetInt32());
        Assert.Equal(HttpStatusCode.BadRequest,
            (await factory.NewBrowser().RefreshAsync(third.RefreshToken!)).StatusCode);
        Assert.Equal(1,
            (await api.GetFromJsonAsync<JsonElement>("/api/account/sessions")).GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Twenty_parallel_security_reads_of_two_accounts_each_show_only_their_own_account()
    {
        var (mineId, mineLogin, minePassword, _, mine) = await SignedInCustomerAsync();
        await factory.NewBrowser("192.0.2.31").SignInAsync(mineLogin, minePassword);
        var (theirsId, theirsLogin, _, _, theirs) = await SignedInCustomerAsync();
        using var mineApi = factory.Api(mine.AccessToken);
        using var theirsApi = factory.Api(theirs.AccessToken);

        // Readers that go away mid-request first: the reads after them are whole and correct.
        using (var gone = new CancellationTokenSource(TimeSpan.FromMilliseconds(1)))
        {
            await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
            {
                try
                {
                    using var abandoned = await mineApi.GetAsync("/api/account/security", gone.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }));
        }

        var reads = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            var (api, id) = i % 2 == 0 ? (mineApi, mineId) : (theirsApi, theirsId);
            using var response = await api.GetAsync("/api/account/security");
            return (Id: id, response.StatusCode, Body: await response.Content.ReadFromJsonAsync<JsonElement>());
        }));

        Assert.All(reads, read =>
        {
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
            Assert.Equal(read.Id, read.Body.GetProperty("accountId").GetGuid());
            var sessions = read.Body.GetProperty("sessions").EnumerateArray().ToList();
            Assert.Equal(read.Id == mineId ? 2 : 1, sessions.Count);
            Assert.Single(sessions, s => s.GetProperty("current").GetBoolean());
        });
        Assert.All(reads.Where(r => r.Id == mineId),
            r => Assert.Equal(mineLogin, r.Body.GetProperty("login").GetString()));
        Assert.All(reads.Where(r => r.Id == theirsId),
            r => Assert.Equal(theirsLogin, r.Body.GetProperty("login").GetString()));
    }

    [Fact]
    public async Task Another_accounts_session_cannot_be_revoked()
    {
        var (_, _, _, _, mine) = await SignedInCustomerAsync();
        var (_, _, _, _, theirs) = await SignedInCustomerAsync();
        using var api = factory.Api(mine.AccessToken);

        var theirSession = OidcBrowser.ReadJwtPayload(theirs.AccessToken).GetProperty("sid").GetString();

        Assert.Equal(HttpStatusCode.NotFound,
            (await api.DeleteAsync($"/api/account/sessions/{theirSession}")).StatusCode);
        using var theirApi = factory.Api(theirs.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await theirApi.GetAsync("/api/account/security")).StatusCode);
    }

    [Fact]
    public async Task Every_endpoint_of_the_section_needs_a_token()
    {
        using var anonymous = factory.CreateClient();
        foreach (var path in new[]
        {
            "/api/account/security",
            "/api/account/sessions",
            "/api/account/audit",
            "/api/account/login-history"
        })
        {
            using var response = await anonymous.GetAsync(path);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using var put = await anonymous.PutAsJsonAsync("/api/account/security-code", new { code = "whatever-1" });
        Assert.Equal(HttpStatusCode.Unauthorized, put.StatusCode);
        using var forged = factory.Api("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.");
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.GetAsync("/api/account/security")).StatusCode);
    }

    [Fact]
    public async Task The_billing_login_cannot_change_even_in_the_database()
    {
        var (id, _, _) = await factory.RegisterAsync();
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityServiceDbContext>();

        var error = await Assert.ThrowsAsync<PostgresException>(() =>
            db.Users.Where(a => a.Id == id).ExecuteUpdateAsync(u => u.SetProperty(a => a.UserName, "renamed")));

        Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
    }

    [Fact]
    public async Task Clean_up_removes_old_login_history_and_long_ended_sessions_only()
    {
        var (id, login, password) = await factory.RegisterAsync();
        var live = await factory.NewBrowser().SignInAsync(login, password);
        var now = factory.Clock.GetUtcNow();
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<IdentityServiceDbContext>();
            db.LoginAttempts.Add(new LoginAttempt
            {
                AccountId = id,
                Login = login,
                Ip = "192.0.2.1",
                At = now.AddDays(-200),
                Outcome = LoginOutcome.Succeeded
            });
            db.Sessions.Add(new AccountSession
            {
                Id = Guid.NewGuid(), AccountId = id, ClientId = IdentityServiceFactory.ClientId,
                CreatedAt = now.AddDays(-60),
                LastUsedAt = now.AddDays(-45), RevokedAt = now.AddDays(-40), AuthenticationMethods = "pwd",
            });
            await db.SaveChangesAsync();
        }

        await factory.Services.GetRequiredService<IdentityMaintenance>().RunOnceAsync(CancellationToken.None);

        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<IdentityServiceDbContext>();
            Assert.Equal(0, await db.LoginAttempts.CountAsync(a => a.AccountId == id && a.At < now.AddDays(-100)));
            Assert.Equal(1, await db.LoginAttempts.CountAsync(a => a.AccountId == id));
            Assert.Equal(1, await db.Sessions.CountAsync(s => s.AccountId == id));
        }

        await OidcBrowser.ReadTokensAsync(await factory.NewBrowser().RefreshAsync(live.RefreshToken!));
    }
}
