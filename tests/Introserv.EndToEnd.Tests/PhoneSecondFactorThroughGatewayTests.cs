using System.Net.Http.Headers;
using System.Security.Cryptography;
using Aspire.Hosting.Testing;
using Microsoft.Playwright;
using OtpNet;

namespace Introserv.EndToEnd.Tests;

// The phone as the second factor at sign-in, in headless Chromium on the real pages through the gateway: a customer
// with an authenticator app and a verified phone chooses "Call me" instead, the call does not come (both call
// gateways of the development telephony provider fail), asks for the other gateway, and types the last four digits
// of the number that called.
[Collection(StackDefinition.Name)]
public sealed class PhoneSecondFactorThroughGatewayTests(StackFixture stack)
{
    private const string Password = "amber quarry 73 kites";

    [Fact]
    public async Task A_customer_signs_in_with_a_call_instead_of_the_authenticator_app()
    {
        var login = $"tel.{Guid.NewGuid():N}"[..20];
        await stack.RegisterAsync(login, Password, "Tel", "Customer");
        using var api = stack.CreateGatewayClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", (await stack.NewBrowser().SignInAsync(login, Password)).AccessToken);
        using var telephony = stack.App.CreateHttpClient(ResourceNames.TelephonyDev, ResourceNames.HttpEndpoint);
        var phone = $"+35989{RandomNumberGenerator.GetInt32(1_000_000, 9_999_999)}";
        await VerifyPhoneAsync(api, telephony, phone);
        await TurnOnAuthenticatorAsync(api);

        var pkce = stack.NewBrowser();
        using var playwright = await Playwright.CreateAsync();
        await using var chromium = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox"],
        });
        var page = await chromium.NewPageAsync();
        await page.RouteAsync($"{StackFixture.PanelRedirectUri}**",
            route => route.FulfillAsync(new RouteFulfillOptions { Body = "front end", ContentType = "text/plain" }));
        await page.GotoAsync(new Uri(stack.GatewayAddress, pkce.NewAuthorizeUrl()).ToString());
        await page.GetByLabel("Billing login").FillAsync(login);
        await page.GetByLabel("Password").FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await page.WaitForURLAsync("**/account/login/second-factor");

        // The call does not come: both call gateways fail.
        await SetModeAsync(telephony, "call-primary", "fail");
        await SetModeAsync(telephony, "call-secondary", "fail");
        try
        {
            await page.GetByRole(AriaRole.Button, new() { Name = "Call me" }).ClickAsync();
            Assert.Contains("try the other gateway",
                await page.Locator("[role=alert]").InnerTextAsync(), StringComparison.Ordinal);
        }
        finally
        {
            await SetModeAsync(telephony, "call-primary", "deliver");
            await SetModeAsync(telephony, "call-secondary", "deliver");
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Try the other gateway" }).ClickAsync();
        Assert.Contains("last four digits", await page.Locator("main").InnerTextAsync(), StringComparison.Ordinal);
        var digits = await LastCodeAsync(telephony, phone, "call-");
        await page.GetByLabel("Code").FillAsync(digits == "0000" ? "0001" : "0000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
        Assert.Contains("attempts left", await page.Locator("[role=alert]").InnerTextAsync(), StringComparison.Ordinal);

        await page.GetByLabel("Code").FillAsync(digits);
        var callback = page.WaitForRequestAsync(request =>
            request.Url.StartsWith(StackFixture.PanelRedirectUri, StringComparison.Ordinal));
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify" }).ClickAsync();
        var landed = new Uri((await callback).Url);
        var query = landed.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
        Assert.Equal(pkce.State, query["state"]);
        var tokens = await pkce.RedeemAsync(query["code"]);
        var amr = OidcBrowser.ReadJwtPayload(tokens.AccessToken).GetProperty("amr").EnumerateArray()
            .Select(m => m.GetString());
        Assert.Equal(["pwd", "tel"], amr);
    }

    [Fact]
    public async Task A_customer_without_an_authenticator_app_makes_the_phone_the_second_factor_and_steps_up_with_it()
    {
        var login = $"sms.{Guid.NewGuid():N}"[..20];
        await stack.RegisterAsync(login, Password, "Sms", "Customer");
        using var api = stack.CreateGatewayClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", (await stack.NewBrowser().SignInAsync(login, Password)).AccessToken);
        using var telephony = stack.App.CreateHttpClient(ResourceNames.TelephonyDev, ResourceNames.HttpEndpoint);
        var phone = $"+35987{RandomNumberGenerator.GetInt32(1_000_000, 9_999_999)}";
        await VerifyPhoneAsync(api, telephony, phone);

        using var on = await api.PutAsJsonAsync("/api/account/two-factor/phone", new { enabled = true });
        var state = await on.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(on.StatusCode == HttpStatusCode.OK, $"{(int)on.StatusCode} {state}");
        Assert.Equal(["phone"], state.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));

        var browser = stack.NewBrowser();
        await browser.OpenLoginPageAsync();
        using var credentials = await browser.SubmitCredentialsAsync(login, Password);
        Assert.EndsWith("/account/login/second-factor", credentials.Headers.Location!.OriginalString,
            StringComparison.Ordinal);
        using var sent = await browser.RequestPhoneCodeAsync("sms");
        Assert.Contains("We sent a text message", await sent.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var verified = await browser.SubmitPhoneCodeAsync(await LastCodeAsync(telephony, phone, "sms-"));
        var tokens = await browser.CompleteAsync(verified);
        Assert.Equal(["pwd", "sms"], OidcBrowser.ReadJwtPayload(tokens.AccessToken).GetProperty("amr")
            .EnumerateArray().Select(m => m.GetString()));

        // A step-up with the phone: a step_up challenge for the session's own operation.
        using var signedIn = stack.CreateGatewayClient();
        signedIn.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
        using var challenge = await signedIn.PostAsJsonAsync(
            "/api/verification/challenges", new { purpose = "step_up", channel = "sms", operation = "step_up" });
        var id = (await challenge.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        using var confirmed = await signedIn.PostAsJsonAsync(
            $"/api/verification/challenges/{id}/confirm", new { code = await LastCodeAsync(telephony, phone, "sms-") });
        var stepUpToken = (await confirmed.Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("stepUpToken").GetString();
        using var steppedUp = await signedIn.PostAsJsonAsync("/api/account/step-up", new { stepUpToken });
        using var again = await signedIn.PostAsJsonAsync("/api/account/step-up", new { stepUpToken });
        await Expect.StatusAsync(HttpStatusCode.NoContent, steppedUp);
        await Expect.StatusAsync(HttpStatusCode.BadRequest, again);
    }

    private static async Task VerifyPhoneAsync(HttpClient api, HttpClient telephony, string phone)
    {
        using var started = await api.PostAsJsonAsync(
            "/api/verification/challenges", new { purpose = "phone", channel = "sms", phone });
        await Expect.StatusAsync(HttpStatusCode.Created, started);
        var id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var messages = await telephony.GetFromJsonAsync<JsonElement>($"/api/messages?to={Uri.EscapeDataString(phone)}");
        var code = messages.EnumerateArray()
            .First(m => m.GetProperty("outcome").GetString() == "delivered")
            .GetProperty("code").GetString();
        using var confirmed = await api.PostAsJsonAsync($"/api/verification/challenges/{id}/confirm", new { code });
        await Expect.StatusAsync(HttpStatusCode.OK, confirmed);
    }

    private static async Task TurnOnAuthenticatorAsync(HttpClient api)
    {
        using var begun = await api.PostAsync(new Uri("/api/account/two-factor/totp", UriKind.Relative), null);
        var secret = (await begun.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("secret").GetString()!;
        using var confirm = await api.PostAsJsonAsync("/api/account/two-factor/totp/confirm",
            new { code = new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp() });
        await Expect.StatusAsync(HttpStatusCode.OK, confirm);
    }

    // The newest message of a kind ("call-" or "sms-", whichever gateway placed it) delivered to the number.
    private static async Task<string> LastCodeAsync(HttpClient telephony, string phone, string gatewayPrefix)
    {
        var messages = await telephony.GetFromJsonAsync<JsonElement>($"/api/messages?to={Uri.EscapeDataString(phone)}");
        return messages.EnumerateArray()
            .First(m => m.GetProperty("gateway").GetString()!.StartsWith(gatewayPrefix, StringComparison.Ordinal)
                && m.GetProperty("outcome").GetString() == "delivered")
            .GetProperty("code").GetString()!;
    }

    private static async Task SetModeAsync(HttpClient telephony, string gateway, string mode)
    {
        using var response = await telephony.PutAsJsonAsync($"/gateways/{gateway}/mode", new { mode });
        await Expect.StatusAsync(HttpStatusCode.NoContent, response);
    }
}
