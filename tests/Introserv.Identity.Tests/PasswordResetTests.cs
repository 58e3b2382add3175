using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Data;
using static Introserv.Testing.JsonApi;

namespace Introserv.Identity.Tests;

// "Forgot password?": a single-use, short-lived link to a confirmed address; nothing tells who has an account.
public sealed class PasswordResetTests(IdentityServiceFactory factory)
    : IClassFixture<IdentityServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private const string NewPassword = "amber harbour 77 kites";

    [Fact]
    public async Task A_reset_link_sets_a_new_password_once_and_ends_every_session()
    {
        var (id, login, password) = await ConfirmedAccountAsync();
        var tokens = await factory.NewBrowser().SignInAsync(login, password);
        using var anonymous = Anonymous(NewAddress());

        var (asked, askedBody) = await PostAsync(anonymous, "/api/accounts/password-reset", new { login });
        var token = Assert.Single(await ResetTokensAsync(id));
        var (weak, _) = await PostAsync(anonymous, "/api/accounts/password-reset/confirm",
            new { token, newPassword = "short", confirmPassword = "short" });
        var (reused, reusedBody) = await PostAsync(anonymous, "/api/accounts/password-reset/confirm",
            new { token, newPassword = password, confirmPassword = password });
        var (set, _) = await PostAsync(anonymous, "/api/accounts/password-reset/confirm",
            new { token, newPassword = NewPassword, confirmPassword = NewPassword });
        var (again, againBody) = await PostAsync(anonymous, "/api/accounts/password-reset/confirm",
            new { token, newPassword = NewPassword + "x", confirmPassword = NewPassword + "x" });
        using var refresh = await factory.NewBrowser().RefreshAsync(tokens.RefreshToken!);
        using var oldPassword = await SubmitAsync(login, password);
        var signedIn = await factory.NewBrowser().SignInAsync(login, NewPassword);

        Assert.Equal(HttpStatusCode.Accepted, asked);
        Assert.Contains("If an account", askedBody.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, weak);
        Assert.Equal((HttpStatusCode.BadRequest, "password_reused"), (reused, Code(reusedBody)));
        Assert.Equal(HttpStatusCode.NoContent, set);
        Assert.Equal((HttpStatusCode.Conflict, "password_reset_token_used"), (again, Code(againBody)));
        Assert.Equal(HttpStatusCode.BadRequest, refresh.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, oldPassword.StatusCode);
        Assert.False(string.IsNullOrEmpty(signedIn.AccessToken));
        Assert.Contains(
            await QueryAsync(db => db.AuditEntries.Where(e => e.AccountId == id).Select(e => e.Action).ToListAsync()),
            a => a == "password_reset");
        Assert.Single(await OutboxAsync("PasswordChanged", id));
    }

    [Fact]
    public async Task A_reset_from_outside_the_allow_list_sets_the_password_but_sign_in_there_stays_refused()
    {
        var (id, login, _) = await ConfirmedAccountAsync();
        await QueryAsync(db => db.Users
            .Where(a => a.Id == id)
            .ExecuteUpdateAsync(a => a.SetProperty(x => x.IpAllowList, new List<string> { "10.9.9.9" })));
        var outside = NewAddress();
        using var anonymous = Anonymous(outside);

        await PostAsync(anonymous, "/api/accounts/password-reset", new { login });
        var token = Assert.Single(await ResetTokensAsync(id));
        var (set, _) = await PostAsync(anonymous, "/api/accounts/password-reset/confirm",
            new { token, newPassword = NewPassword, confirmPassword = NewPassword });
        var browser = factory.NewBrowser(outside);
        await browser.OpenLoginPageAsync();
        using var signIn = await browser.SubmitCredentialsAsync(login, NewPassword);

        Assert.Equal(HttpStatusCode.NoContent, set);
        Assert.Equal(HttpStatusCode.Forbidden, signIn.StatusCode);
        Assert.Contains("allow-list", await signIn.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_answer_is_the_same_for_unknown_and_unconfirmed_accounts_and_they_get_no_link()
    {
        var (unconfirmed, unconfirmedLogin, _) = await factory.RegisterAsync();
        var (confirmed, confirmedLogin, _) = await ConfirmedAccountAsync();
        using var anonymous = Anonymous(NewAddress());

        var unknown = await PostAsync(anonymous, "/api/accounts/password-reset", new { login = "nobody.at.all" });
        var notConfirmed = await PostAsync(anonymous, "/api/accounts/password-reset", new { login = unconfirmedLogin });
        var byEmail = await PostAsync(anonymous, "/api/accounts/password-reset",
            new { email = $"{confirmedLogin.ToUpperInvariant()}@EXAMPLE.com" });

        Assert.Equal(unknown.Status, notConfirmed.Status);
        Assert.Equal(unknown.Body.GetRawText(), notConfirmed.Body.GetRawText());
        Assert.Equal(unknown.Body.GetRawText(), byEmail.Body.GetRawText());
        Assert.Empty(await ResetTokensAsync(unconfirmed));
        Assert.Single(await ResetTokensAsync(confirmed));
    }

    [Fact]
    public async Task Twenty_parallel_requests_from_one_address_pass_ten_mail_three_links_and_the_newest_works()
    {
        var (id, login, _) = await ConfirmedAccountAsync();
        using var anonymous = Anonymous(NewAddress());

        var answers = await Task.WhenAll(Enumerable.Range(0, 20)
            .Select(_ => PostAsync(anonymous, "/api/accounts/password-reset", new { login })));
        var tokens = await ResetTokensAsync(id);
        var (older, olderBody) = await PostAsync(anonymous, "/api/accounts/password-reset/confirm",
            new { token = tokens[0], newPassword = NewPassword, confirmPassword = NewPassword });
        factory.Clock.Advance(TimeSpan.FromMinutes(31));
        var (expired, expiredBody) = await PostAsync(anonymous, "/api/accounts/password-reset/confirm",
            new { token = tokens[^1], newPassword = NewPassword, confirmPassword = NewPassword });

        Assert.Equal(10, answers.Count(a => a.Status == HttpStatusCode.Accepted));
        Assert.All(answers.Where(a => a.Status != HttpStatusCode.Accepted), a => Assert.Equal(
            (HttpStatusCode.TooManyRequests, "too_many_password_reset_requests"), (a.Status, Code(a.Body))));
        Assert.Equal(3, tokens.Count);
        Assert.Equal((HttpStatusCode.BadRequest, "password_reset_token_invalid"), (older, Code(olderBody)));
        Assert.Equal((HttpStatusCode.Gone, "password_reset_token_expired"), (expired, Code(expiredBody)));
    }

    [Theory]
    [InlineData("""{ "login": "a", "email": "a@example.com" }""", "/api/accounts/password-reset", "validation_failed")]
    [InlineData("""{ }""", "/api/accounts/password-reset", "validation_failed")]
    [InlineData("""{ "login": "bad\u0000login" }""", "/api/accounts/password-reset", "invalid_json")]
    [InlineData(
        """
        { "token": "not-a-token", "newPassword": "amber harbour 77 kites", "confirmPassword": "amber harbour 77 kites" }
        """,
        "/api/accounts/password-reset/confirm", "password_reset_token_invalid")]
    [InlineData("""{ "token": null }""", "/api/accounts/password-reset/confirm", "validation_failed")]
    [InlineData(
        """{ "token": null, "newPassword": "amber harbour 77 kites", "confirmPassword": "amber harbour 77 kites" }""",
        "/api/accounts/password-reset/confirm", "password_reset_token_invalid")]
    [InlineData("""{ "token": 5 }""", "/api/accounts/password-reset/confirm", "invalid_json")]
    [InlineData("""[1, 2]""", "/api/accounts/password-reset", "invalid_json")]
    public async Task Malformed_requests_get_a_coded_400(string json, string path, string code)
    {
        using var anonymous = Anonymous(NewAddress());

        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await anonymous.PostAsync(path, content);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(code, Code(body));
    }

    private static int _address = Random.Shared.Next(0, 250);

    // Each test asks from an address of its own, so the per-address limit of one does not meet another.
    private static string NewAddress() => $"203.0.113.{(Interlocked.Increment(ref _address) % 250) + 1}";

    private HttpClient Anonymous(string address) => factory.NewBrowser(address).Http;

    private async Task<(Guid Id, string Login, string Password)> ConfirmedAccountAsync()
    {
        var account = await factory.RegisterAsync();
        await QueryAsync(db => db.Users
            .Where(a => a.Id == account.Id)
            .ExecuteUpdateAsync(a => a.SetProperty(x => x.EmailConfirmed, true)));
        return account;
    }

    private Task<HttpResponseMessage> SubmitAsync(string login, string password)
    {
        var browser = factory.NewBrowser();
        return OpenThenSubmitAsync(browser, login, password);
    }

    private static async Task<HttpResponseMessage> OpenThenSubmitAsync(
        Introserv.Testing.OidcBrowser browser, string login, string password)
    {
        await browser.OpenLoginPageAsync();
        return await browser.SubmitCredentialsAsync(login, password);
    }

    private async Task<List<string>> ResetTokensAsync(Guid accountId) =>
        [.. (await OutboxAsync("PasswordResetRequested", accountId))
            .Select(e => e.GetProperty("resetToken").GetString()!)];

    private async Task<List<JsonElement>> OutboxAsync(string type, Guid accountId)
    {
        var rows = await QueryAsync(db => db.Set<OutboxMessage>().AsNoTracking()
            .Where(m => m.MessageType.StartsWith($"Introserv.Identity.Contracts.{type},")).ToListAsync());
        return [.. rows
            .Where(r => r.Payload.Contains(accountId.ToString(), StringComparison.Ordinal))
            .OrderBy(r => r.CreatedAt)
            .Select(r => JsonDocument.Parse(r.Payload).RootElement.Clone())];
    }

    private async Task<T> QueryAsync<T>(Func<IdentityServiceDbContext, Task<T>> query)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<IdentityServiceDbContext>());
    }
}
