using System.Net.Http.Headers;
using Microsoft.Playwright;
using OtpNet;

namespace Introserv.EndToEnd.Tests;

// Sign-up, sign-in and the security section as a front end reaches them: through the gateway only.
[Collection(StackDefinition.Name)]
public sealed class SignInThroughGatewayTests(StackFixture stack)
{
    private const string Password = "copper meadow 19 lanterns";

    private async Task<string> RegisterAsync()
    {
        var login = $"e2e.{Guid.NewGuid():N}"[..20];
        await stack.RegisterAsync(login, Password, "Ada", "Lovelace");
        return login;
    }

    private HttpClient Api(string accessToken)
    {
        var http = stack.CreateGatewayClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return http;
    }

    [Fact]
    public async Task Discovery_points_front_ends_at_the_gateway()
    {
        using var http = stack.CreateGatewayClient();

        var discovery = await http.GetFromJsonAsync<JsonElement>("/.well-known/openid-configuration");

        var issuer = new Uri(discovery.GetProperty("issuer").GetString()!);
        Assert.Equal(stack.GatewayAddress.Authority, issuer.Authority);
        Assert.StartsWith(issuer.ToString(), discovery.GetProperty("authorization_endpoint").GetString(),
            StringComparison.Ordinal);
        var jwks = await http.GetFromJsonAsync<JsonElement>(
            new Uri(discovery.GetProperty("jwks_uri").GetString()!).PathAndQuery);
        Assert.NotEmpty(jwks.GetProperty("keys").EnumerateArray());
    }

    [Fact]
    public async Task A_front_end_registers_signs_in_with_PKCE_uses_the_security_section_refreshes_and_logs_out()
    {
        var login = await RegisterAsync();
        var browser = stack.NewBrowser();

        var tokens = await browser.SignInAsync(login, Password);

        using var api = Api(tokens.AccessToken);
        var security = await api.GetFromJsonAsync<JsonElement>("/api/account/security");
        Assert.Equal(login, security.GetProperty("login").GetString());
        Assert.False(security.GetProperty("securityCodeSet").GetBoolean());
        Assert.NotNull(security.GetProperty("lastAccess").GetProperty("ip").GetString());

        using var code = await api.PutAsJsonAsync("/api/account/security-code", new { code = "gateway-code-7" });
        await Expect.StatusAsync(HttpStatusCode.NoContent, code);
        using var again = await api.PutAsJsonAsync("/api/account/security-code", new { code = "gateway-code-8" });
        await Expect.StatusAsync(HttpStatusCode.Conflict, again);
        Assert.Equal("security_code_already_set",
            (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        // The caller's address as the services see it is the one the gateway forwarded.
        using var lockOut = await api.PutAsJsonAsync("/api/account/ip-allow-list",
            new { entries = new[] { "203.0.113.0/24" } });
        await Expect.StatusAsync(HttpStatusCode.Conflict, lockOut);
        var problem = await lockOut.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("would_lock_out", problem.GetProperty("code").GetString());
        Assert.Equal(security.GetProperty("currentAddress").GetString(),
            problem.GetProperty("callerAddress").GetString());

        var refreshed = await OidcBrowser.ReadTokensAsync(await browser.RefreshAsync(tokens.RefreshToken!));
        using var logout = await browser.Http.GetAsync(new Uri(
            $"/connect/logout?id_token_hint={refreshed.IdToken}", UriKind.Relative));
        await Expect.StatusAsync(HttpStatusCode.Redirect, logout);
        using var afterLogout = await browser.RefreshAsync(refreshed.RefreshToken!);
        await Expect.StatusAsync(HttpStatusCode.BadRequest, afterLogout);
    }

    [Fact]
    public async Task The_security_section_needs_a_token()
    {
        using var http = stack.CreateGatewayClient();

        using var response = await http.GetAsync(new Uri("/api/account/security", UriKind.Relative));

        await Expect.StatusAsync(HttpStatusCode.Unauthorized, response);
    }

    [Fact]
    public async Task A_customer_signs_in_through_the_real_login_pages_in_headless_Chromium_with_a_second_factor()
    {
        var login = await RegisterAsync();
        var setup = await stack.NewBrowser().SignInAsync(login, Password);
        using var api = Api(setup.AccessToken);
        var secret = (await (await api.PostAsync(new Uri("/api/account/two-factor/totp", UriKind.Relative), null))
                .Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("secret").GetString()!;
        var totp = new Totp(Base32Encoding.ToBytes(secret));
        using var confirm = await api.PostAsJsonAsync("/api/account/two-factor/totp/confirm",
            new { code = totp.ComputeTotp() });
        await Expect.StatusAsync(HttpStatusCode.OK, confirm);

        var pkce = stack.NewBrowser();
        var authorizeUrl = new Uri(stack.GatewayAddress, pkce.NewAuthorizeUrl());

        using var playwright = await Playwright.CreateAsync();
        await using var chromium = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox"],
        });
        var page = await chromium.NewPageAsync();
        // The front end is not running; answer its callback so the browser can land there.
        await page.RouteAsync($"{StackFixture.PanelRedirectUri}**",
            route => route.FulfillAsync(new RouteFulfillOptions { Body = "front end", ContentType = "text/plain" }));

        await page.GotoAsync(authorizeUrl.ToString());
        Assert.Equal("Sign in · Introserv", await page.TitleAsync());
        await page.GetByLabel("Billing login").FillAsync(login);
        await page.GetByLabel("Password").FillAsync("a wrong password");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        Assert.Contains("incorrect", await page.Locator("[role=alert]").InnerTextAsync(), StringComparison.Ordinal);

        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        try
        {
            await page.WaitForURLAsync("**/account/login/second-factor");
        }
        catch (TimeoutException)
        {
            // Say where the browser is instead (a refusal, a rate limit, an error page).
            var shown = await page.Locator("body").InnerTextAsync();
            Assert.Fail($"no second-factor page after signing in; at {page.Url}: {await page.TitleAsync()} " +
                shown[..Math.Min(500, shown.Length)]);
        }

        // The confirmation code's time step cannot be reused; wait for the next one.
        var next = 30 - (DateTimeOffset.UtcNow.ToUnixTimeSeconds() % 30);
        await Task.Delay(TimeSpan.FromSeconds(next + 1));
        await page.GetByLabel("Code").FillAsync(totp.ComputeTotp());
        var callback = page.WaitForRequestAsync(request =>
            request.Url.StartsWith(StackFixture.PanelRedirectUri, StringComparison.Ordinal));
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
        var landed = new Uri((await callback).Url);

        var query = landed.Query
            .TrimStart('?')
            .Split('&')
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
        Assert.Equal(pkce.State, query["state"]);
        var tokens = await pkce.RedeemAsync(query["code"]);
        var amr = OidcBrowser.ReadJwtPayload(tokens.AccessToken)
            .GetProperty("amr")
            .EnumerateArray()
            .Select(m => m.GetString());
        Assert.Equal(["pwd", "otp"], amr);
        using var signedIn = Api(tokens.AccessToken);
        Assert.Equal(login,
            (await signedIn.GetFromJsonAsync<JsonElement>("/api/account/security")).GetProperty("login").GetString());
    }
}
