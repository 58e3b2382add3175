using System.Globalization;
using Microsoft.Playwright;

namespace Introserv.EndToEnd.Tests;

// The reference panel as a customer clicks through it in headless Chromium: the app served by the panel resource,
// signed in through the gateway's sign-in page (authorization code + PKCE), calling only the gateway. Screenshots
// at 360 and 1280 pixels wide are kept in the test output (panel-screenshots).
[Collection(StackDefinition.Name)]
public sealed class PanelInBrowserTests(StackFixture stack)
{
    private static string Screenshots => Path.Combine(AppContext.BaseDirectory, "panel-screenshots");

    [Fact]
    public async Task A_customer_signs_in_sees_the_orders_renews_and_cancels_one_edits_the_profile_and_signs_out()
    {
        using (var starting = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
        {
            await stack.WaitHealthyAsync(ResourceNames.Panel, starting.Token);
        }

        var (api, _, email) = await stack.RegisterPayingCustomerAsync("panel", 500m);
        using var _ = api;
        var login = email.Split('@')[0];
        using var placed = await PostAsync(api, "/api/orders", OrderForms.Body("vps-s", 1));
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        var number = (await placed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("number").GetInt64();

        using var playwright = await Playwright.CreateAsync();
        await using var chromium = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"],
        });
        await using var context = await chromium.NewContextAsync(
            new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        // An exception in a component is logged to the console by Blazor, not raised as a page error.
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && message.Text.Contains("Unhandled exception", StringComparison.Ordinal))
            {
                errors.Add(message.Text);
            }
        };

        // The panel sends a visitor without a session to the gateway's sign-in page, and back.
        await page.GotoAsync(stack.PanelAddress.ToString());
        await page.WaitForURLAsync(url => url.Contains("/account/login", StringComparison.Ordinal)
            || url.Contains("/connect/authorize", StringComparison.Ordinal), new() { Timeout = 60_000 });
        await page.GetByLabel("Billing login").FillAsync(login);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(StackFixture.PayingCustomerPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();

        // Active orders: the one placed, with its plan, address, status and actions.
        await page.WaitForURLAsync($"{stack.PanelAddress}orders", new() { Timeout = 60_000 });
        var row = page.GetByRole(AriaRole.Row)
            .Filter(new() { HasText = number.ToString(CultureInfo.InvariantCulture) });
        await Assertions.Expect(row).ToContainTextAsync("VPS S", new() { Timeout = 30_000 });
        await Assertions.Expect(row).ToContainTextAsync("Active");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "orders-1280.png"), FullPage = true });
        await page.SetViewportSizeAsync(360, 800);
        await Assertions.Expect(row.GetByRole(AriaRole.Button, new() { Name = $"Renew order {number}" }))
            .ToBeVisibleAsync();
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "orders-360.png"), FullPage = true });
        await page.SetViewportSizeAsync(1280, 900);

        // Renew: charged from the balance once, the new term shown.
        await row.GetByRole(AriaRole.Button, new() { Name = $"Renew order {number}" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status))
            .ToContainTextAsync($"Order {number} is renewed.", new() { Timeout = 30_000 });

        // Cancel now: the refund is shown before it is confirmed, then credited.
        await row.GetByRole(AriaRole.Button, new() { Name = $"Cancel order {number}" }).ClickAsync();
        var quote = page.GetByRole(AriaRole.Region, new() { Name = $"Cancel order {number}" });
        await Assertions.Expect(quote).ToContainTextAsync("returns", new() { Timeout = 30_000 });
        await quote.GetByRole(AriaRole.Button, new() { Name = "Cancel the order now" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status))
            .ToContainTextAsync($"Order {number} is cancelled", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByText("You have no active orders.")).ToBeVisibleAsync();
        using (var list = await api.GetAsync(new Uri("/api/orders/history", UriKind.Relative)))
        {
            Assert.Contains("cancelled", await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        // Profile: the saved personal data is shown; a required field left empty is refused on the page; a change is
        // saved through the API.
        await page.GetByRole(AriaRole.Link, new() { Name = "Profile" }).ClickAsync();
        await Assertions.Expect(page.GetByLabel("City")).ToHaveValueAsync("Varna", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByLabel("Country")).ToHaveValueAsync("BG");
        await page.GetByLabel("City").FillAsync(string.Empty);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Enter your city.")).ToBeVisibleAsync();
        await page.GetByLabel("City").FillAsync("Burgas");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save" }).ClickAsync();
        var outcome = page.GetByRole(AriaRole.Status).Or(page.Locator(".alert.error"));
        await Assertions.Expect(outcome).ToBeVisibleAsync(new() { Timeout = 30_000 });
        Assert.Equal("Your personal information is saved.", await outcome.First.InnerTextAsync());
        var (profile, _) = await StackFixture.WaitForProfileAsync(api);
        Assert.Equal("Burgas", profile.GetProperty("city").GetString());
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "profile-1280.png"), FullPage = true });

        // Sign out: the panel no longer holds a session; opening it again asks to sign in.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await page.WaitForURLAsync(url => !url.StartsWith($"{stack.PanelAddress}orders", StringComparison.Ordinal));
        await page.GotoAsync($"{stack.PanelAddress}orders");
        await page.WaitForURLAsync(url => url.Contains("/account/login", StringComparison.Ordinal)
            || url.Contains("/connect/authorize", StringComparison.Ordinal), new() { Timeout = 60_000 });
        Assert.Empty(errors);
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient api, string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        return await api.SendAsync(request);
    }
}
