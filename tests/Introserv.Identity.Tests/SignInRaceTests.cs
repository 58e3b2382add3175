using System.Text.RegularExpressions;
using Introserv.Identity.Features.SignIn;
using OtpNet;

namespace Introserv.Identity.Tests;

// Sign-in under 20 parallel requests: one-time codes are accepted once, guesses are counted one by one, and an
// unknown login looks exactly like a known one.
public sealed partial class SignInRaceTests(IdentityServiceFactory factory)
    : IClassFixture<IdentityServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private const int Parallel = 20;
    private static int _nextAddress;

    private static string NewAddress() =>
        $"198.19.{Interlocked.Increment(ref _nextAddress) / 250}.{_nextAddress % 250 + 1}";

    [Fact]
    public async Task A_TOTP_code_sent_20_times_at_once_signs_in_once()
    {
        var (login, password, address, totp, _) = await AccountWithAuthenticatorAsync();
        factory.Clock.Advance(TimeSpan.FromSeconds(30)); // past the step the enrollment used
        var browsers = await BrowsersAtSecondFactorAsync(login, password, address);
        var code = totp.ComputeTotp(factory.Clock.GetUtcNow().UtcDateTime);

        var answers = await Task.WhenAll(browsers.Select(b => b.SubmitSecondFactorAsync(code)));

        AssertExactlyOneSignedIn(answers);
    }

    [Fact]
    public async Task A_recovery_code_sent_20_times_at_once_signs_in_once()
    {
        var (login, password, address, _, recoveryCodes) = await AccountWithAuthenticatorAsync();
        var browsers = await BrowsersAtSecondFactorAsync(login, password, address);

        var answers = await Task.WhenAll(browsers.Select(b => b.SubmitSecondFactorAsync(recoveryCodes[0])));

        AssertExactlyOneSignedIn(answers);
        factory.Clock.Advance(TimeSpan.FromMinutes(1)); // the failed copies count as guesses: wait them out
        var tokens = await factory.NewBrowser(address).SignInAsync(login, password, () => recoveryCodes[1]);
        using var api = factory.Api(tokens.AccessToken, address);
        var security = await api.GetFromJsonAsync<JsonElement>("/api/account/security");
        Assert.Equal(8, security.GetProperty("twoFactor").GetProperty("recoveryCodesLeft").GetInt32());
    }

    [Fact]
    public async Task Twenty_people_behind_one_address_signing_in_at_once_are_all_let_in()
    {
        // An office behind one NAT address: attempts in flight count as presumed failures until they finish, and
        // one that started later must not make the others wait while the address is within its free allowance.
        var address = NewAddress();
        var people = new List<(OidcBrowser Browser, string Login, string Password)>();
        for (var i = 0; i < Parallel; i++)
        {
            var (_, login, password) = await factory.RegisterAsync();
            var browser = factory.NewBrowser(address);
            await browser.OpenLoginPageAsync();
            people.Add((browser, login, password));
        }

        var answers = await Task.WhenAll(people.Select(p => p.Browser.SubmitCredentialsAsync(p.Login, p.Password)));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Redirect, a.StatusCode));
    }

    [Fact]
    public async Task Twenty_parallel_wrong_passwords_count_as_twenty()
    {
        var (_, login, _) = await factory.RegisterAsync();

        var answers = await GuessInParallelAsync(login, NewAddress());

        // Only the free allowance reaches the password check; every other guess is refused unchecked.
        Assert.Equal(LoginThrottle.AccountFreeFailures,
            answers.Count(a => a.StatusCode == HttpStatusCode.Unauthorized));
        Assert.Equal(Parallel - LoginThrottle.AccountFreeFailures,
            answers.Count(a => a.StatusCode == HttpStatusCode.TooManyRequests));
    }

    [Fact]
    public async Task An_unknown_login_is_answered_and_throttled_exactly_like_a_known_one()
    {
        var (_, known, _) = await factory.RegisterAsync();
        var unknown = $"nobody.{Guid.NewGuid():N}"[..known.Length];

        var knownAnswers = await GuessInParallelAsync(known, NewAddress());
        var unknownAnswers = await GuessInParallelAsync(unknown, NewAddress());

        Assert.Equal(
            knownAnswers.Select(a => a.StatusCode).Order(),
            unknownAnswers.Select(a => a.StatusCode).Order());
        Assert.Equal(LoginThrottle.AccountFreeFailures,
            unknownAnswers.Count(a => a.StatusCode == HttpStatusCode.Unauthorized));
        var knownBody = await NormalizedBodyAsync(
            knownAnswers.First(a => a.StatusCode == HttpStatusCode.Unauthorized), known);
        var unknownBody = await NormalizedBodyAsync(
            unknownAnswers.First(a => a.StatusCode == HttpStatusCode.Unauthorized), unknown);
        Assert.Equal(knownBody, unknownBody);
    }

    [Fact]
    public async Task The_password_check_for_an_unknown_login_costs_what_a_real_one_costs()
    {
        // A wrong password for a known and for an unknown login: each attempt makes exactly one check, with the
        // service's own hasher, against a hash of the same format, PRF and iteration count (ASP.NET Core Identity V3:
        // format byte 0x01, PRF at bytes 1..4, iterations at 5..8). A stand-in made with the library's default 100,000
        // iterations would cost half of a real check, and a path that skipped the check would cost nothing: both
        // would tell which logins exist by the time the answer takes.
        var (_, known, _) = await factory.RegisterAsync();
        var unknown = $"nobody.{Guid.NewGuid():N}"[..known.Length];
        var knownHash = SingleCheck(await WrongPasswordAsync(known));
        var unknownHash = SingleCheck(await WrongPasswordAsync(unknown));

        Assert.Equal(factory.Services.GetRequiredService<UnknownLoginPassword>().Hash, unknownHash);
        var real = Convert.FromBase64String(knownHash);
        var standIn = Convert.FromBase64String(unknownHash);
        Assert.Equal(0x01, real[0]);
        Assert.Equal(real[..9], standIn[..9]);
        Assert.Equal(2u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(standIn.AsSpan(1)));
        Assert.Equal(210_000u, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(standIn.AsSpan(5)));
        Assert.Equal(real.Length, standIn.Length);

        // And a password too long to be anyone's is checked against the stand-in too, for a known login.
        var tooLong = new string('x', 129);
        Assert.Equal(unknownHash, SingleCheck(await WrongPasswordAsync(known, tooLong)));
    }

    private string SingleCheck(string password) =>
        Assert.Single(factory.PasswordChecks.Checks, check => check.Password == password).Hash;

    // Submits a wrong password (a new one each time, so its checks can be told apart) and returns it.
    private async Task<string> WrongPasswordAsync(string login, string? password = null)
    {
        password ??= $"a wrong password {Guid.NewGuid():N}";
        var browser = factory.NewBrowser(NewAddress());
        await browser.OpenLoginPageAsync();
        using var answer = await browser.SubmitCredentialsAsync(login, password);
        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
        return password;
    }

    // Twenty browsers at one address, each with its own form, post a wrong password at the same moment.
    private async Task<HttpResponseMessage[]> GuessInParallelAsync(string login, string address)
    {
        var browsers = new List<OidcBrowser>();
        for (var i = 0; i < Parallel; i++)
        {
            var browser = factory.NewBrowser(address);
            await browser.OpenLoginPageAsync();
            browsers.Add(browser);
        }

        return await Task.WhenAll(
            browsers.Select((b, i) => b.SubmitCredentialsAsync(login, $"wrong guess number {i}")));
    }

    // The page without what differs by design: the antiforgery token and the login echoed back.
    private static async Task<string> NormalizedBodyAsync(HttpResponseMessage answer, string login)
    {
        var html = await answer.Content.ReadAsStringAsync();
        return AntiforgeryValue().Replace(html, "value=\"TOKEN\"").Replace(login, "LOGIN", StringComparison.Ordinal);
    }

    // Twenty browsers past the password step, waiting for the second factor (signed in one by one).
    private async Task<List<OidcBrowser>> BrowsersAtSecondFactorAsync(string login, string password, string address)
    {
        var browsers = new List<OidcBrowser>();
        for (var i = 0; i < Parallel; i++)
        {
            var browser = factory.NewBrowser(address);
            await browser.OpenLoginPageAsync();
            using var afterPassword = await browser.SubmitCredentialsAsync(login, password);
            Assert.Equal("/account/login/second-factor", afterPassword.Headers.Location?.OriginalString);
            browsers.Add(browser);
        }

        return browsers;
    }

    private static void AssertExactlyOneSignedIn(HttpResponseMessage[] answers)
    {
        var statuses = answers.Select(a => a.StatusCode).ToList();
        Assert.Equal(1, statuses.Count(s => s == HttpStatusCode.Redirect));
        Assert.All(statuses.Where(s => s != HttpStatusCode.Redirect),
            s => Assert.Contains(s, new[] { HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests }));
        Assert.Contains(HttpStatusCode.Unauthorized, statuses);
    }

    private async Task<(string Login, string Password, string Address, Totp Totp, List<string> RecoveryCodes)>
        AccountWithAuthenticatorAsync()
    {
        var (_, login, password) = await factory.RegisterAsync();
        var address = NewAddress();
        var tokens = await factory.NewBrowser(address).SignInAsync(login, password);
        using var api = factory.Api(tokens.AccessToken, address);
        using var begin = await api.PostAsync("/api/account/two-factor/totp", null);
        var secret = (await begin.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
        var totp = new Totp(Base32Encoding.ToBytes(secret));
        using var confirm = await api.PostAsJsonAsync("/api/account/two-factor/totp/confirm",
            new { code = totp.ComputeTotp(factory.Clock.GetUtcNow().UtcDateTime) });
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        var codes = (await confirm.Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("codes")
            .EnumerateArray()
            .Select(c => c.GetString()!)
            .ToList();
        return (login, password, address, totp, codes);
    }

    [GeneratedRegex("value=\"[^\"]{40,}\"")]
    private static partial Regex AntiforgeryValue();
}
