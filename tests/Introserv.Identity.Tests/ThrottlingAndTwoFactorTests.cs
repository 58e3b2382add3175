using OtpNet;

namespace Introserv.Identity.Tests;

// Brute-force throttling of the sign-in pages and the authenticator-app second factor.
public sealed class ThrottlingAndTwoFactorTests(IdentityServiceFactory factory)
    : IClassFixture<IdentityServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static int _nextAddress = 1;

    private static string NewAddress() =>
        $"198.18.{Interlocked.Increment(ref _nextAddress) / 250}.{_nextAddress % 250 + 1}";

    [Fact]
    public async Task Repeated_wrong_passwords_throttle_the_account_briefly_and_never_for_long()
    {
        var (_, login, password) = await factory.RegisterAsync();
        var attacker = factory.NewBrowser(NewAddress());
        await attacker.OpenLoginPageAsync();
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized,
                (await attacker.SubmitCredentialsAsync(login, $"guess number {i}")).StatusCode);
        }

        // Now even the right password waits (a throttled attempt does not reveal whether it was right).
        using var throttled = await attacker.SubmitCredentialsAsync(login, password);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.InRange(int.Parse(throttled.Headers.GetValues("Retry-After").Single(),
            System.Globalization.CultureInfo.InvariantCulture), 1, 15);

        // The wait is short: after it passes the right password works again.
        factory.Clock.Advance(TimeSpan.FromSeconds(16));
        await attacker.CompleteAsync(await attacker.SubmitCredentialsAsync(login, password));
    }

    [Fact]
    public async Task An_attacker_elsewhere_cannot_lock_the_owner_out_of_an_address_they_signed_in_from()
    {
        var (_, login, password) = await factory.RegisterAsync();
        var ownerAddress = NewAddress();
        await factory.NewBrowser(ownerAddress).SignInAsync(login, password);

        var attacker = factory.NewBrowser(NewAddress());
        await attacker.OpenLoginPageAsync();
        for (var i = 0; i < 8; i++)
        {
            await attacker.SubmitCredentialsAsync(login, $"guess number {i}");
        }

        Assert.Equal(HttpStatusCode.TooManyRequests,
            (await attacker.SubmitCredentialsAsync(login, password)).StatusCode);
        // The owner, from their usual address, signs in at once.
        await factory.NewBrowser(ownerAddress).SignInAsync(login, password);
    }

    [Fact]
    public async Task Many_failures_from_one_address_throttle_that_address_across_accounts()
    {
        var address = NewAddress();
        var sprayer = factory.NewBrowser(address);
        await sprayer.OpenLoginPageAsync();
        for (var i = 0; i < 20; i++)
        {
            await sprayer.SubmitCredentialsAsync($"nobody.{i}.{Guid.NewGuid():N}"[..24], "password spray attempt");
        }

        var (_, login, password) = await factory.RegisterAsync();
        Assert.Equal(HttpStatusCode.TooManyRequests,
            (await sprayer.SubmitCredentialsAsync(login, password)).StatusCode);
        // Other addresses are not affected.
        await factory.NewBrowser(NewAddress()).SignInAsync(login, password);
    }

    [Fact]
    public async Task With_an_authenticator_app_sign_in_asks_for_the_code_and_recovery_codes_work_once()
    {
        var (_, login, password) = await factory.RegisterAsync();
        var address = NewAddress();
        var tokens = await factory.NewBrowser(address).SignInAsync(login, password);
        using var api = factory.Api(tokens.AccessToken, address);

        using var begin = await api.PostAsync("/api/account/two-factor/totp", null);
        Assert.Equal(HttpStatusCode.OK, begin.StatusCode);
        var enrollment = await begin.Content.ReadFromJsonAsync<JsonElement>();
        var secret = enrollment.GetProperty("secret").GetString()!;
        Assert.StartsWith("otpauth://totp/Introserv:", enrollment.GetProperty("otpAuthUri").GetString(),
            StringComparison.Ordinal);
        var totp = new Totp(Base32Encoding.ToBytes(secret));
        string Code() => totp.ComputeTotp(factory.Clock.GetUtcNow().UtcDateTime);

        using var wrongConfirm = await api.PostAsJsonAsync("/api/account/two-factor/totp/confirm",
            new { code = "000000" == Code() ? "111111" : "000000" });
        Assert.Equal(HttpStatusCode.BadRequest, wrongConfirm.StatusCode);
        var confirmCode = Code();
        using var confirm = await api.PostAsJsonAsync("/api/account/two-factor/totp/confirm",
            new { code = confirmCode });
        Assert.Equal(HttpStatusCode.OK, confirm.StatusCode);
        var recoveryCodes = (await confirm.Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("codes")
            .EnumerateArray()
            .Select(c => c.GetString()!)
            .ToList();
        Assert.Equal(10, recoveryCodes.Distinct().Count());

        // Credentials alone are not enough now.
        var browser = factory.NewBrowser(address);
        await browser.OpenLoginPageAsync();
        using var afterPassword = await browser.SubmitCredentialsAsync(login, password);
        Assert.Equal("/account/login/second-factor", afterPassword.Headers.Location!.OriginalString);
        using var noCode = await browser.Http.GetAsync(new Uri(browser.NewAuthorizeUrl(), UriKind.Relative));
        Assert.StartsWith("/account/login", noCode.Headers.Location!.OriginalString, StringComparison.Ordinal);

        // The code used to confirm cannot be replayed; a wrong code is refused; the next one works.
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.SubmitSecondFactorAsync(confirmCode)).StatusCode);
        factory.Clock.Advance(TimeSpan.FromSeconds(30));
        await browser.OpenLoginPageAsync();
        await browser.SubmitCredentialsAsync(login, password);
        var withTotp = await browser.CompleteAsync(await browser.SubmitSecondFactorAsync(Code()));
        var methods = OidcBrowser.ReadJwtPayload(withTotp.AccessToken)
            .GetProperty("amr")
            .EnumerateArray()
            .Select(m => m.GetString());
        Assert.Equal(["pwd", "otp"], methods);

        // A recovery code signs in once.
        var recovery = factory.NewBrowser(address);
        await recovery.SignInAsync(login, password, () => recoveryCodes[0]);
        var again = factory.NewBrowser(address);
        await again.OpenLoginPageAsync();
        await again.SubmitCredentialsAsync(login, password);
        Assert.Equal(HttpStatusCode.Unauthorized, (await again.SubmitSecondFactorAsync(recoveryCodes[0])).StatusCode);

        var security = await api.GetFromJsonAsync<JsonElement>("/api/account/security");
        Assert.True(security.GetProperty("twoFactor").GetProperty("enabled").GetBoolean());
        Assert.Equal(9, security.GetProperty("twoFactor").GetProperty("recoveryCodesLeft").GetInt32());
        Assert.DoesNotContain(secret, security.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Turning_the_second_factor_off_needs_a_fresh_code()
    {
        var (_, login, password) = await factory.RegisterAsync();
        var address = NewAddress();
        var browser = factory.NewBrowser(address);
        var tokens = await browser.SignInAsync(login, password);
        using var api = factory.Api(tokens.AccessToken, address);
        var secret = (await (await api.PostAsync("/api/account/two-factor/totp", null))
                .Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("secret").GetString()!;
        var totp = new Totp(Base32Encoding.ToBytes(secret));
        Assert.Equal(HttpStatusCode.OK, (await api.PostAsJsonAsync("/api/account/two-factor/totp/confirm",
            new { code = totp.ComputeTotp(factory.Clock.GetUtcNow().UtcDateTime) })).StatusCode);

        factory.Clock.Advance(TimeSpan.FromMinutes(11));
        var later = await OidcBrowser.ReadTokensAsync(await browser.RefreshAsync(tokens.RefreshToken!));
        using var laterApi = factory.Api(later.AccessToken, address);
        using var refused = await laterApi.DeleteAsync("/api/account/two-factor");
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        var problem = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(["totp", "recovery_code"],
            problem.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));

        // The password is not a second factor.
        using var withPassword = await laterApi.PostAsJsonAsync("/api/account/step-up", new { password });
        Assert.Equal(HttpStatusCode.BadRequest, withPassword.StatusCode);
        using var stepUp = await laterApi.PostAsJsonAsync("/api/account/step-up",
            new { code = totp.ComputeTotp(factory.Clock.GetUtcNow().UtcDateTime) });
        Assert.Equal(HttpStatusCode.NoContent, stepUp.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await laterApi.DeleteAsync("/api/account/two-factor")).StatusCode);

        await factory.NewBrowser(address).SignInAsync(login, password);
        var audit = await laterApi.GetFromJsonAsync<JsonElement>("/api/account/audit");
        var actions = audit.GetProperty("items")
            .EnumerateArray()
            .Select(e => e.GetProperty("action").GetString())
            .ToList();
        Assert.Equal(["two_factor_disabled", "step_up", "two_factor_enabled"], actions);
    }
}
