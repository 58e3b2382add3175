using System.Text;
using System.Text.Json.Nodes;
using Introserv.Identity.Data;

namespace Introserv.Identity.Tests;

// Passkeys against ASP.NET Core Identity's WebAuthn checks, with a software authenticator (SoftwareAuthenticator: real
// P-256 keys, real signatures): register through the API after a step-up, sign in with one instead of the password,
// use one as the second factor and for a step-up; and what a hostile client tries: replayed answers, parallel
// answers to one ceremony, another site's origin, a forged signature, another account's passkey, malformed input,
// an address outside the allow-list, and repeated failures.
public sealed class PasskeyTests(IdentityServiceFactory factory) : IClassFixture<IdentityServiceFactory>, IAsyncLifetime
{
    // The sign-in pages' origin (the issuer) and a registered front end's (a redirect URI's).
    private const string PagesOrigin = "http://identity.test";
    private const string PanelOrigin = "http://panel.test";

    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<(Guid Id, string Login, string Password, HttpClient Api)> CustomerAsync()
    {
        var (id, login, password) = await factory.RegisterAsync();
        var api = factory.Api((await factory.NewBrowser().SignInAsync(login, password)).AccessToken);
        return (id, login, password, api);
    }

    private static async Task<(Guid Ceremony, string Options)> OptionsAsync(HttpClient api, string path)
    {
        using var response = await api.PostAsync(new Uri(path, UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("ceremony").GetGuid(), body.GetProperty("options").GetRawText());
    }

    private static async Task<HttpResponseMessage> RegisterAsync(
        HttpClient api, SoftwareAuthenticator authenticator, string name = "Laptop")
    {
        var (ceremony, options) = await OptionsAsync(api, "/api/account/passkeys/options");
        return await api.PostAsJsonAsync("/api/account/passkeys", new
        {
            ceremony,
            credential = JsonDocument.Parse(authenticator.Create(options)).RootElement,
            name,
        });
    }

    private static async Task<string?> CodeOf(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonElement>()).TryGetProperty("code", out var code)
            ? code.GetString()
            : null;

    [Fact]
    public async Task A_passkey_registered_after_a_step_up_signs_in_without_a_password()
    {
        var (_, login, _, api) = await CustomerAsync();
        using var authenticator = new SoftwareAuthenticator(PanelOrigin);

        using var registered = await RegisterAsync(api, authenticator);
        var view = await registered.Content.ReadFromJsonAsync<JsonElement>();
        var list = await api.GetFromJsonAsync<JsonElement>("/api/account/passkeys");
        var overview = await api.GetFromJsonAsync<JsonElement>("/api/account/security");
        authenticator.Origin = PagesOrigin;
        var browser = factory.NewBrowser();
        using var signedIn = await browser.SignInWithPasskeyAsync(authenticator.Get);
        var tokens = await browser.CompleteAsync(signedIn);
        var claims = OidcBrowser.ReadJwtPayload(tokens.IdToken!);

        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        Assert.Equal("Laptop", view.GetProperty("name").GetString());
        Assert.Equal(view.GetProperty("id").GetString(),
            Assert.Single(list.GetProperty("items").EnumerateArray()).GetProperty("id").GetString());
        Assert.Contains("passkey",
            overview.GetProperty("twoFactor").GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(login, claims.GetProperty("name").GetString());
    }

    [Fact]
    public async Task An_answer_works_once_even_when_twenty_copies_race()
    {
        var (_, _, _, api) = await CustomerAsync();
        using var authenticator = new SoftwareAuthenticator(PanelOrigin);
        var (ceremony, options) = await OptionsAsync(api, "/api/account/passkeys/options");
        var credential = JsonDocument.Parse(authenticator.Create(options)).RootElement;

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            api.PostAsJsonAsync("/api/account/passkeys", new { ceremony, credential, name = $"Copy {i}" })));
        var list = await api.GetFromJsonAsync<JsonElement>("/api/account/passkeys");
        using var replay = await api.PostAsJsonAsync("/api/account/passkeys", new { ceremony, credential });

        Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Created);
        Assert.All(responses.Where(r => r.StatusCode != HttpStatusCode.Created),
            r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
        Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.Equal("passkey_ceremony_invalid", await CodeOf(replay));
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task A_ceremony_from_another_site_or_with_a_forged_signature_is_refused()
    {
        var (_, _, _, api) = await CustomerAsync();
        using var phished = new SoftwareAuthenticator("https://introserv-login.example");
        using var authenticator = new SoftwareAuthenticator(PanelOrigin);

        using var fromPhishing = await RegisterAsync(api, phished);
        using var registered = await RegisterAsync(api, authenticator);
        authenticator.Origin = PagesOrigin;
        using var forged = await factory.NewBrowser().SignInWithPasskeyAsync(options =>
        {
            var answer = JsonNode.Parse(authenticator.Get(options))!;
            var signature = SoftwareAuthenticator.FromBase64Url(answer["response"]!["signature"]!.GetValue<string>());
            signature[^1] ^= 0x55;
            answer["response"]!["signature"] = SoftwareAuthenticator.ToBase64Url(signature);
            return answer.ToJsonString();
        });
        authenticator.Origin = "https://introserv-login.example";
        using var wrongOrigin = await factory.NewBrowser().SignInWithPasskeyAsync(authenticator.Get);

        Assert.Equal((HttpStatusCode.BadRequest, "passkey_rejected"),
            (fromPhishing.StatusCode, await CodeOf(fromPhishing)));
        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongOrigin.StatusCode);
        Assert.False(forged.Headers.Contains("Set-Cookie") && forged.Headers.GetValues("Set-Cookie")
            .Any(c => c.StartsWith("introserv.login", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Malformed_answers_get_clear_errors_never_a_500()
    {
        var (_, _, _, api) = await CustomerAsync();
        var (ceremony, _) = await OptionsAsync(api, "/api/account/passkeys/options");
        object[] bodies =
        [
            new { ceremony, credential = "not an object" },
            new { ceremony, credential = new { id = 5, response = "x" } },
            new { ceremony = Guid.NewGuid(), credential = new { id = "AAAA" } },
            new { credential = new { } },
            new { ceremony, credential = new { id = new string('A', 20_000) } },
            new { ceremony, credential = new { }, name = new string('n', 65) },
        ];

        var answers = new List<HttpStatusCode>();
        foreach (var body in bodies)
        {
            using var response = await api.PostAsJsonAsync("/api/account/passkeys", body);
            answers.Add(response.StatusCode);
            Assert.NotNull(await CodeOf(response));
        }

        using var truncated = new StringContent("{\"ceremony\":", Encoding.UTF8, "application/json");
        using var garbage = await api.PostAsync("/api/account/passkeys", truncated);
        using var badId = await api.DeleteAsync(new Uri("/api/account/passkeys/%%%", UriKind.Relative));
        using var unknownId = await api.PatchAsJsonAsync("/api/account/passkeys/AAAA", new { name = "x" });
        var page = factory.NewBrowser();
        await page.OpenLoginPageAsync();
        using var pagePost = await page.SubmitPasskeyAsync("/account/login/passkey", "not-a-guid", "{]");
        using var noToken = await factory.NewBrowser().Http.PostAsync(
            new Uri("/account/login/passkey/options", UriKind.Relative), null);

        Assert.All(answers, status => Assert.Equal(HttpStatusCode.BadRequest, status));
        Assert.Equal(HttpStatusCode.BadRequest, garbage.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, badId.StatusCode);
        Assert.Equal((HttpStatusCode.NotFound, "passkey_not_found"), (unknownId.StatusCode, await CodeOf(unknownId)));
        Assert.Equal(HttpStatusCode.BadRequest, pagePost.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, noToken.StatusCode);
    }

    [Fact]
    public async Task A_passkey_is_a_second_factor_and_a_step_up_but_only_its_own_accounts()
    {
        var (id, login, password, api) = await CustomerAsync();
        var (_, _, _, otherApi) = await CustomerAsync();
        using var authenticator = new SoftwareAuthenticator(PanelOrigin);
        using var other = new SoftwareAuthenticator(PanelOrigin);
        using var registered = await RegisterAsync(api, authenticator);
        using var otherRegistered = await RegisterAsync(otherApi, other);

        // A password sign-in now asks for the passkey.
        var browser = factory.NewBrowser();
        await browser.OpenLoginPageAsync();
        using var credentials = await browser.SubmitCredentialsAsync(login, password);
        var page = await browser.OpenPageAsync("/account/login/second-factor");
        using var optionsResponse = await browser.RequestPasskeyOptionsAsync(
            "/account/login/second-factor/passkey/options");
        var options = await optionsResponse.Content.ReadFromJsonAsync<JsonElement>();
        authenticator.Origin = PagesOrigin;
        other.Origin = PagesOrigin;
        using var wrongKey = await browser.SubmitPasskeyAsync("/account/login/second-factor/passkey",
            options.GetProperty("ceremony").GetString()!,
            other.Get(options.GetProperty("options").GetRawText(), other.Credentials[0].Id));
        await browser.OpenPageAsync("/account/login/second-factor");
        using var againResponse = await browser.RequestPasskeyOptionsAsync(
            "/account/login/second-factor/passkey/options");
        var again = await againResponse.Content.ReadFromJsonAsync<JsonElement>();
        using var secondFactor = await browser.SubmitPasskeyAsync("/account/login/second-factor/passkey",
            again.GetProperty("ceremony").GetString()!, authenticator.Get(again.GetProperty("options").GetRawText()));
        var tokens = await browser.CompleteAsync(secondFactor);

        // A step-up with the passkey, not with another account's.
        factory.Clock.Advance(TimeSpan.FromMinutes(11));
        using var refreshed = await browser.RefreshAsync(tokens.RefreshToken!);
        using var fresh = factory.Api((await OidcBrowser.ReadTokensAsync(refreshed)).AccessToken);
        using var before = await fresh.PutAsJsonAsync("/api/account/security-code", new { code = "green-owl-55" });
        authenticator.Origin = PanelOrigin;
        other.Origin = PanelOrigin;
        var (foreignCeremony, foreignOptions) = await OptionsAsync(fresh, "/api/account/step-up/passkey-options");
        using var foreign = await fresh.PostAsJsonAsync("/api/account/step-up", new
        {
            passkey = new
            {
                ceremony = foreignCeremony,
                credential = JsonNode.Parse(other.Get(foreignOptions, other.Credentials[0].Id)),
            },
        });
        var (ceremony, stepUpOptions) = await OptionsAsync(fresh, "/api/account/step-up/passkey-options");
        using var stepUp = await fresh.PostAsJsonAsync("/api/account/step-up", new
        {
            passkey = new { ceremony, credential = JsonNode.Parse(authenticator.Get(stepUpOptions)) },
        });
        using var after = await fresh.PutAsJsonAsync("/api/account/security-code", new { code = "green-owl-55" });

        Assert.Equal(HttpStatusCode.Created, registered.StatusCode);
        Assert.Equal(HttpStatusCode.Created, otherRegistered.StatusCode);
        Assert.EndsWith("/account/login/second-factor", credentials.Headers.Location!.ToString(),
            StringComparison.Ordinal);
        Assert.Contains("Use a passkey", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.False(string.IsNullOrEmpty(tokens.AccessToken));
        Assert.Equal((HttpStatusCode.Forbidden, "step_up_required"), (before.StatusCode, await CodeOf(before)));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_second_factor"),
            (foreign.StatusCode, await CodeOf(foreign)));
        Assert.Equal(HttpStatusCode.NoContent, stepUp.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, after.StatusCode);
        await using var scope = factory.Services.CreateAsyncScope();
        Assert.Contains(await scope.ServiceProvider.GetRequiredService<IdentityServiceDbContext>().AuditEntries
            .Where(e => e.AccountId == id).Select(e => e.Action).ToListAsync(), a => a == "passkey_added");
    }

    [Fact]
    public async Task The_allow_list_and_the_throttle_apply_to_passkey_sign_ins()
    {
        var (_, _, _, api) = await CustomerAsync();
        using var authenticator = new SoftwareAuthenticator(PanelOrigin);
        using var registered = await RegisterAsync(api, authenticator);
        using var list = await api.PutAsJsonAsync("/api/account/ip-allow-list",
            new { entries = new[] { "198.51.100.0/24" }, confirmLockOut = true });
        authenticator.Origin = PagesOrigin;

        using var outside = await factory.NewBrowser().SignInWithPasskeyAsync(authenticator.Get);
        var allowed = factory.NewBrowser("198.51.100.7");
        using var inside = await allowed.SignInWithPasskeyAsync(authenticator.Get);
        await allowed.CompleteAsync(inside);
        // Forged answers from one address: refused, then throttled, and then even a good answer waits.
        var attacker = factory.NewBrowser("203.0.113.66");
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 25; i++)
        {
            using var forged = await attacker.SignInWithPasskeyAsync(options =>
            {
                var answer = JsonNode.Parse(authenticator.Get(options))!;
                answer["response"]!["signature"] = SoftwareAuthenticator.ToBase64Url(new byte[70]);
                return answer.ToJsonString();
            });
            statuses.Add(forged.StatusCode);
        }

        using var late = await attacker.SignInWithPasskeyAsync(authenticator.Get);

        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, outside.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, inside.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, statuses[0]);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, late.StatusCode);
    }

    [Fact]
    public async Task Passkeys_are_renamed_and_removed_and_support_clears_them_with_the_second_factor()
    {
        var (id, login, password, api) = await CustomerAsync();
        using var authenticator = new SoftwareAuthenticator(PanelOrigin);
        using var phone = new SoftwareAuthenticator(PanelOrigin);
        using var first = await RegisterAsync(api, authenticator, "First");
        using var second = await RegisterAsync(api, phone, "Second");
        var firstId = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        var secondId = (await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();

        using var renamed = await api.PatchAsJsonAsync(
            $"/api/account/passkeys/{firstId}", new { name = "Work laptop" });
        using var removed = await api.DeleteAsync(new Uri($"/api/account/passkeys/{secondId}", UriKind.Relative));
        using var removedAgain = await api.DeleteAsync(new Uri($"/api/account/passkeys/{secondId}", UriKind.Relative));
        var list = await api.GetFromJsonAsync<JsonElement>("/api/account/passkeys");
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<IdentityServiceDbContext>();
            Assert.Equal(1, await db.Users.Where(a => a.Id == id).Select(a => a.PasskeyCount).SingleAsync());
        }

        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal("Work laptop", (await renamed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("name")
            .GetString());
        Assert.Equal(HttpStatusCode.NoContent, removed.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, removedAgain.StatusCode);
        Assert.Equal(["Work laptop"],
            list.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("name").GetString()));

        // Support clears the second factor of a customer who lost the device: the passkeys go with it.
        using var code = await api.PutAsJsonAsync("/api/account/security-code", new { code = "grey-wolf-12" });
        using var staff = factory.Api((await factory.NewBrowser().SignInAsync(
            IdentityServiceFactory.StaffLogin, IdentityServiceFactory.StaffPassword)).AccessToken);
        using var check = await staff.PostAsJsonAsync(
            $"/api/staff/accounts/{id}/security-code/check", new { code = "grey-wolf-12" });
        using var clear = await staff.PostAsJsonAsync(
            $"/api/staff/accounts/{id}/two-factor/clear", new { reason = "Laptop stolen" });
        var afterClear = await api.GetFromJsonAsync<JsonElement>("/api/account/passkeys");
        var tokens = await factory.NewBrowser().SignInAsync(login, password);

        Assert.Equal(HttpStatusCode.OK, clear.StatusCode);
        Assert.Empty(afterClear.GetProperty("items").EnumerateArray());
        Assert.False(string.IsNullOrEmpty(tokens.AccessToken));
    }
}
