using System.Net.Http.Headers;
using Microsoft.Playwright;

namespace Introserv.EndToEnd.Tests;

// Passkeys in headless Chromium through the gateway, with Chromium's virtual authenticator (CDP WebAuthn domain: a
// platform authenticator that verifies its user): the browser registers a passkey through the public API (what the
// panel's security section does), lists it, then signs in with it on the real sign-in page, with no login and no
// password, and the tokens say how; a later password sign-in takes the passkey as its second factor.
[Collection(StackDefinition.Name)]
public sealed class PasskeysThroughGatewayTests(StackFixture stack)
{
    private const string Password = "cobalt meadow 19 sails";

    // Registers a passkey from the page with the bearer token, as a front end does; returns the API's answers.
    private const string RegisterScript = """
        async ([token, name]) => {
          const headers = { "Authorization": "Bearer " + token, "Content-Type": "application/json" };
          const started = await fetch("/api/account/passkeys/options", { method: "POST", headers });
          const { ceremony, options } = await started.json();
          const credential = await navigator.credentials.create({
            publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options),
          });
          const registered = await fetch("/api/account/passkeys", {
            method: "POST", headers, body: JSON.stringify({ ceremony, credential: credential.toJSON(), name }),
          });
          const listed = await fetch("/api/account/passkeys", { headers });
          return [started.status, registered.status, JSON.stringify(await listed.json())];
        }
        """;

    [Fact]
    public async Task A_customer_registers_a_passkey_and_signs_in_with_it_without_a_password()
    {
        var login = $"key.{Guid.NewGuid():N}"[..20];
        await stack.RegisterAsync(login, Password, "Key", "Customer");
        var token = (await stack.NewBrowser().SignInAsync(login, Password)).AccessToken;

        using var playwright = await Playwright.CreateAsync();
        await using var chromium = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox"],
        });
        var page = await chromium.NewPageAsync();
        var cdp = await page.Context.NewCDPSessionAsync(page);
        await cdp.SendAsync("WebAuthn.enable");
        await cdp.SendAsync("WebAuthn.addVirtualAuthenticator", new Dictionary<string, object>
        {
            ["options"] = new Dictionary<string, object>
            {
                ["protocol"] = "ctap2",
                ["transport"] = "internal",
                ["hasResidentKey"] = true,
                ["hasUserVerification"] = true,
                ["isUserVerified"] = true,
                ["automaticPresenceSimulation"] = true,
            },
        });
        await page.RouteAsync($"{StackFixture.PanelRedirectUri}**",
            route => route.FulfillAsync(new RouteFulfillOptions { Body = "front end", ContentType = "text/plain" }));

        // The security section's part: register a passkey from a page of the gateway's origin.
        await page.GotoAsync(new Uri(stack.GatewayAddress, "/account/signed-out").ToString());
        var answers = await page.EvaluateAsync<string[]>(RegisterScript, new object[] { token, "This browser" });
        Assert.Equal("200", answers[0]);
        Assert.Equal("201", answers[1]);
        var listed = JsonDocument.Parse(answers[2]).RootElement.GetProperty("items");
        Assert.Equal("This browser", Assert.Single(listed.EnumerateArray()).GetProperty("name").GetString());

        // A sign-in with it: no login, no password; the authenticator verifies the user.
        var pkce = stack.NewBrowser();
        await page.Context.ClearCookiesAsync();
        await page.GotoAsync(new Uri(stack.GatewayAddress, pkce.NewAuthorizeUrl()).ToString());
        Assert.Equal("Sign in · Introserv", await page.TitleAsync());
        var callback = page.WaitForRequestAsync(request =>
            request.Url.StartsWith(StackFixture.PanelRedirectUri, StringComparison.Ordinal));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in with a passkey" }).ClickAsync();
        var landed = new Uri((await callback).Url);
        var query = landed.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
        Assert.Equal(pkce.State, query["state"]);
        var tokens = await pkce.RedeemAsync(query["code"]);
        var claims = OidcBrowser.ReadJwtPayload(tokens.AccessToken);
        Assert.Equal(["pop", "hwk", "mfa"], claims.GetProperty("amr").EnumerateArray().Select(m => m.GetString()));

        // With a passkey, a password sign-in asks for a second factor: the same passkey.
        await page.Context.ClearCookiesAsync();
        var second = stack.NewBrowser();
        // The first sign-in ended at the front end's address, where nothing listens (a route does not catch a
        // redirect): the browser's error page for it may still cut this navigation short, and then it is tried again,
        // with the same request (one PKCE state), until the browser shows its sign-in page.
        var authorize = new Uri(stack.GatewayAddress, second.NewAuthorizeUrl()).ToString();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await page.GotoAsync(authorize);
                break;
            }
            catch (PlaywrightException error) when (attempt < 5
                && error.Message.Contains("interrupted by another navigation", StringComparison.Ordinal))
            {
                await page.WaitForLoadStateAsync(LoadState.Load);
                if (page.Url.Contains($"state%3D{Uri.EscapeDataString(second.State)}", StringComparison.Ordinal))
                {
                    break;
                }
            }
        }

        await page.GetByLabel("Billing login").FillAsync(login);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/account/login/second-factor");
        var secondCallback = page.WaitForRequestAsync(request =>
            request.Url.StartsWith(StackFixture.PanelRedirectUri, StringComparison.Ordinal));
        await page.GetByRole(AriaRole.Button, new() { Name = "Use a passkey" }).ClickAsync();
        var secondQuery = new Uri((await secondCallback).Url).Query.TrimStart('?').Split('&')
            .Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
        var secondTokens = await second.RedeemAsync(secondQuery["code"]);
        Assert.Equal(["pwd", "hwk"], OidcBrowser.ReadJwtPayload(secondTokens.AccessToken).GetProperty("amr")
            .EnumerateArray().Select(m => m.GetString()));

        using var api = stack.CreateGatewayClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        var security = await api.GetFromJsonAsync<JsonElement>("/api/account/security");
        Assert.Equal(login, security.GetProperty("login").GetString());
        Assert.Contains("passkey",
            security.GetProperty("twoFactor").GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
    }
}
