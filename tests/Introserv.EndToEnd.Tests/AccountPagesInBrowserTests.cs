using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Aspire.Hosting.Testing;
using Microsoft.Playwright;

namespace Introserv.EndToEnd.Tests;

// The account lifecycle as a new customer clicks through it in headless Chromium, on the real pages through the
// gateway and with the real mails: "Create an account" from the sign-in page, the confirmation link (sign in, come
// back, confirm), then "Forgot your password?", the reset link, the new password, and a sign-in with it by keyboard.
[Collection(StackDefinition.Name)]
public sealed partial class AccountPagesInBrowserTests(StackFixture stack)
{
    private const string Password = "saffron valley 61 boats";
    private const string NewPassword = "indigo summit 38 ferns";

    [Fact]
    public async Task A_new_customer_signs_up_confirms_the_address_and_resets_a_forgotten_password()
    {
        var login = $"life.{Guid.NewGuid():N}"[..20];
        var email = $"{login}@example.com";
        using var mail = stack.App.CreateHttpClient(ResourceNames.MailDev, ResourceNames.HttpEndpoint);
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

        // Sign up from the sign-in page.
        await page.GotoAsync(new Uri(stack.GatewayAddress, stack.NewBrowser().NewAuthorizeUrl()).ToString());
        await page.GetByRole(AriaRole.Link, new() { Name = "Create an account" }).First.ClickAsync();
        Assert.Equal("Create an account · Introserv", await page.TitleAsync());
        await page.GetByLabel("Billing login").FillAsync(login);
        await page.GetByLabel("Email").FillAsync(email);
        await page.GetByLabel("First name").FillAsync("Lena");
        await page.GetByLabel("Last name").FillAsync("Brook");
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the account" }).ClickAsync();
        Assert.Equal("Your account is ready · Introserv", await page.TitleAsync());

        // The confirmation link: sign in first, come back, one click.
        var confirmation = await StackFixture.WaitForMailAsync(mail, email, "Confirm your email address");
        await page.GotoAsync(Link(confirmation, ConfirmLink()));
        Assert.Equal("Sign in · Introserv", await page.TitleAsync());
        await page.GetByLabel("Billing login").FillAsync(login);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        Assert.Equal("Confirm your email address · Introserv", await page.TitleAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm the address" }).ClickAsync();
        Assert.Contains($"{email} is confirmed", await page.Locator("[role=status]").InnerTextAsync(),
            StringComparison.Ordinal);
        using var api = stack.CreateGatewayClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", (await stack.NewBrowser().SignInAsync(login, Password)).AccessToken);
        Assert.True(
            await Eventually.TrueAsync(async () => (await api.GetFromJsonAsync<JsonElement>("/api/account/security"))
                .GetProperty("emailConfirmed").GetBoolean(), TimeSpan.FromSeconds(20)),
            "Identity did not learn that the address is confirmed");

        // A forgotten password, from a browser that is signed out.
        await page.Context.ClearCookiesAsync();
        var pkce = stack.NewBrowser();
        await page.GotoAsync(new Uri(stack.GatewayAddress, pkce.NewAuthorizeUrl()).ToString());
        await page.GetByRole(AriaRole.Link, new() { Name = "Forgot your password?" }).First.ClickAsync();
        await page.GetByLabel("Billing login or email").FillAsync(email);
        await page.GetByRole(AriaRole.Button, new() { Name = "Send the link" }).ClickAsync();
        Assert.Equal("Check your mail · Introserv", await page.TitleAsync());
        var reset = await StackFixture.WaitForMailAsync(mail, email, "Set a new password");
        await page.GotoAsync(Link(reset, ResetLink()));
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync(NewPassword);
        await page.GetByLabel("New password again").FillAsync(NewPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Set the password" }).ClickAsync();
        Assert.Equal("Password changed · Introserv", await page.TitleAsync());

        // The new password signs in on the page, with the keyboard alone: the login field has the focus, Tab moves
        // to the password, Enter signs in.
        await page.GotoAsync(new Uri(stack.GatewayAddress, pkce.NewAuthorizeUrl()).ToString());
        // The page has loaded and given the login field the focus before anything is typed.
        await Assertions.Expect(page.Locator("#login")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(login);
        await page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(page.Locator("#password")).ToBeFocusedAsync();
        await page.Keyboard.TypeAsync(NewPassword);
        var callback = page.WaitForRequestAsync(
            request => request.Url.StartsWith(StackFixture.PanelRedirectUri, StringComparison.Ordinal),
            new() { Timeout = 30_000 });
        await page.Keyboard.PressAsync("Enter");
        IRequest signedIn;
        try
        {
            signedIn = await callback;
        }
        catch (TimeoutException)
        {
            // Say where the browser stopped instead (a refusal on the sign-in page names itself).
            Assert.Fail($"No redirect to the front end; the browser is at {page.Url} ({await page.TitleAsync()}): " +
                await page.Locator("main").InnerTextAsync());
            throw;
        }

        var query = new Uri(signedIn.Url).Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
        Assert.False(string.IsNullOrEmpty((await pkce.RedeemAsync(query["code"])).AccessToken));
    }

    private static string Link(JsonElement mail, Regex pattern) =>
        pattern.Match(mail.GetProperty("text").GetString()!).Value;

    [GeneratedRegex(@"https?://\S+/account/email-confirmation\?token=\S+")]
    private static partial Regex ConfirmLink();

    [GeneratedRegex(@"https?://\S+/account/password-reset/confirm\?token=\S+")]
    private static partial Regex ResetLink();
}
