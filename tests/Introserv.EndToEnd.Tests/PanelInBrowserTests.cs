using System.Globalization;
using System.Text.RegularExpressions;
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
        var (api, _, email) = await CustomerAsync("panel", 500m);
        using var _ = api;
        var login = email.Split('@')[0];
        var number = (await PlaceVpsAsync(api)).GetProperty("number").GetInt64();

        using var playwright = await Playwright.CreateAsync();
        await using var chromium = await LaunchAsync(playwright);
        await using var context = await chromium.NewContextAsync(
            new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var (page, errors) = await OpenAsync(context);

        // The panel sends a visitor without a session to the gateway's sign-in page, and back.
        await SignInAsync(page, login);

        // Active orders: the one placed, with its plan, address, status and actions.
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
        var outcome = page.GetByRole(AriaRole.Status).Filter(new() { HasNotText = "Loading" })
            .Or(page.Locator(".alert.error"));
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

    [Fact]
    public async Task A_customer_pays_an_order_from_the_invoices_downloads_the_pdf_and_manages_the_order_and_mail()
    {
        // An order the balance (5 EUR) did not cover waits for payment; support then credits 200 EUR.
        var (api, accountId, email) = await CustomerAsync("panelpay", 5m);
        using var _ = api;
        var login = email.Split('@')[0];
        var order = await PlaceVpsAsync(api);
        Assert.Equal("pending_payment", order.GetProperty("status").GetString());
        var number = order.GetProperty("number").GetInt64().ToString(CultureInfo.InvariantCulture);
        var orderId = order.GetProperty("id").GetGuid();
        using (var staff = await stack.StaffAsync())
        using (var credited = await staff.PostAsJsonAsync($"/api/staff/balances/{accountId}/credits",
            new { amount = 200m, currency = "EUR", paymentReference = $"bank-{Guid.NewGuid():N}" }))
        {
            Assert.Equal(HttpStatusCode.Created, credited.StatusCode);
        }

        using var playwright = await Playwright.CreateAsync();
        await using var chromium = await LaunchAsync(playwright);
        await using var context = await chromium.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 }, AcceptDownloads = true,
        });
        var (page, errors) = await OpenAsync(context);
        await SignInAsync(page, login);
        var status = page.GetByRole(AriaRole.Status).Filter(new() { HasNotText = "Loading" });

        // Balance and invoices: the balance, its ledger, the unpaid invoice paid from the balance once.
        await page.GetByRole(AriaRole.Link, new() { Name = "Balance and invoices" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("balance")).ToHaveTextAsync("205.00 EUR", new() { Timeout = 30_000 });
        var invoices = page.GetByRole(AriaRole.Region, new() { Name = "Invoices", Exact = true });
        var invoiceRow = invoices.GetByRole(AriaRole.Row).Filter(new() { HasText = "Unpaid" });
        await Assertions.Expect(invoiceRow).ToContainTextAsync("VPS S");
        await Assertions.Expect(invoiceRow).ToContainTextAsync("11.88 EUR");
        await Assertions.Expect(invoiceRow).ToContainTextAsync("(20 %)");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "billing-1280.png"), FullPage = true });
        await invoiceRow.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Pay invoice ") }).ClickAsync();
        await Assertions.Expect(status).ToContainTextAsync("is paid", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("balance")).ToHaveTextAsync("193.12 EUR");
        var ledger = page.GetByRole(AriaRole.Region, new() { Name = "Balance", Exact = true });
        await Assertions.Expect(ledger.GetByRole(AriaRole.Row).Filter(new() { HasText = "New order" }))
            .ToContainTextAsync("-11.88 EUR");
        await Assertions.Expect(invoices.GetByRole(AriaRole.Row).Filter(new() { HasText = "VPS S" }))
            .ToContainTextAsync("Paid");
        using (var ledgerAnswer = await api.GetAsync(new Uri("/api/balance", UriKind.Relative)))
        {
            var entries = (await ledgerAnswer.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("items");
            Assert.Single(entries.EnumerateArray(), e => e.GetProperty("reason").GetString() == "order_charge");
        }

        // The invoice's PDF, fetched with the session's token and saved by the browser.
        var download = await page.RunAndWaitForDownloadAsync(() =>
            invoices.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^Download invoice .* as PDF$") })
                .First.ClickAsync());
        var saved = Path.Combine(Screenshots, "invoice.pdf");
        await download.SaveAsAsync(saved);
        Assert.EndsWith(".pdf", download.SuggestedFilename, StringComparison.Ordinal);
        Assert.StartsWith("%PDF-", await ReadStartAsync(saved), StringComparison.Ordinal);

        // The filter: no unpaid invoice is left.
        await invoices.GetByLabel("Show").SelectOptionAsync("unpaid");
        await Assertions.Expect(invoices.GetByText("No invoices match.")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await page.SetViewportSizeAsync(360, 800);
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "billing-360.png"), FullPage = true });
        await page.SetViewportSizeAsync(1280, 900);

        // Orders: automatic renewal on, then a plan change with its price shown first.
        await page.GetByRole(AriaRole.Link, new() { Name = "Orders", Exact = true }).ClickAsync();
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = number });
        await Assertions.Expect(row).ToContainTextAsync("Active", new() { Timeout = 30_000 });
        var autoRenew = row.GetByRole(AriaRole.Switch, new() { Name = $"Automatic renewal of order {number}" });
        await Assertions.Expect(autoRenew).ToHaveAttributeAsync("aria-checked", "false");
        await autoRenew.ClickAsync();
        await Assertions.Expect(status).ToContainTextAsync("renews automatically", new() { Timeout = 30_000 });
        await Assertions.Expect(autoRenew).ToHaveAttributeAsync("aria-checked", "true");

        await row.GetByRole(AriaRole.Button, new() { Name = $"Change the plan of order {number}" }).ClickAsync();
        var change = page.GetByRole(AriaRole.Region, new() { Name = $"Change the plan of order {number}" });
        await change.GetByLabel("New plan").SelectOptionAsync("vps-m");
        await Assertions.Expect(change).ToContainTextAsync("charged from your balance", new() { Timeout = 30_000 });
        await change.GetByRole(AriaRole.Button, new() { Name = "Change the plan", Exact = true }).ClickAsync();
        await Assertions.Expect(status)
            .ToContainTextAsync($"Order {number} is now on VPS M", new() { Timeout = 30_000 });
        await Assertions.Expect(row).ToContainTextAsync("VPS M");

        // Cancel at the end of the term, then withdraw it.
        await row.GetByRole(AriaRole.Button, new() { Name = $"Cancel order {number}" }).ClickAsync();
        var cancel = page.GetByRole(AriaRole.Region, new() { Name = $"Cancel order {number}" });
        await cancel.GetByRole(AriaRole.Button, new() { Name = "Cancel at the end of the term" })
            .ClickAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(status).ToContainTextAsync($"Order {number} ends on", new() { Timeout = 30_000 });
        await Assertions.Expect(row).ToContainTextAsync("Ends at term end");
        await row.GetByRole(AriaRole.Button, new() { Name = $"Keep order {number}: withdraw the cancellation" })
            .ClickAsync();
        await Assertions.Expect(status).ToContainTextAsync("cancellation is withdrawn", new() { Timeout = 30_000 });
        await Assertions.Expect(row).ToContainTextAsync("Active");
        using (var details = await api.GetAsync(new Uri($"/api/orders/{orderId}", UriKind.Relative)))
        {
            var now = await details.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal(("active", "vps-m", true), (now.GetProperty("status").GetString(),
                now.GetProperty("planId").GetString(), now.GetProperty("autoRenew").GetBoolean()));
        }

        // History with filters: the order among the active ones, none cancelled.
        await page.GetByRole(AriaRole.Link, new() { Name = "History" }).ClickAsync();
        var history = page.GetByRole(AriaRole.Row).Filter(new() { HasText = number });
        await Assertions.Expect(history).ToContainTextAsync("VPS M", new() { Timeout = 30_000 });
        await page.GetByLabel("Status").SelectOptionAsync("cancelled");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Assertions.Expect(page.GetByText("No orders match.")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await page.GetByLabel("Status").SelectOptionAsync("active");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await Assertions.Expect(history).ToContainTextAsync("Active", new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "history-1280.png"), FullPage = true });

        // Notification settings: a low-balance alert and an invoices address, then the alert turned off.
        await page.GetByRole(AriaRole.Link, new() { Name = "Profile" }).ClickAsync();
        var mail = page.GetByRole(AriaRole.Region, new() { Name = "Notification settings" });
        await Assertions.Expect(mail.GetByLabel("Invoices and orders"))
            .ToHaveValueAsync(email, new() { Timeout = 30_000 });
        await mail.GetByLabel("Low-balance alert (EUR)").FillAsync("ten");
        await mail.GetByRole(AriaRole.Button, new() { Name = "Save notification settings" }).ClickAsync();
        await Assertions.Expect(mail.GetByText("Enter an amount such as 10")).ToBeVisibleAsync();
        await mail.GetByLabel("Low-balance alert (EUR)").FillAsync("25");
        await mail.GetByLabel("Invoices and orders").FillAsync($"billing.{email}");
        await mail.GetByRole(AriaRole.Button, new() { Name = "Save notification settings" }).ClickAsync();
        await Assertions.Expect(mail.GetByRole(AriaRole.Status))
            .ToHaveTextAsync("Your notification settings are saved.", new() { Timeout = 30_000 });
        var settings = await api.GetFromJsonAsync<JsonElement>("/api/notifications/settings");
        Assert.Equal(25m, settings.GetProperty("balanceAlertThreshold").GetProperty("amount").GetDecimal());
        Assert.Equal($"billing.{email}", settings.GetProperty("emails").GetProperty("invoicesOrders").GetString());

        await mail.GetByLabel("Low-balance alert (EUR)").FillAsync(string.Empty);
        await mail.GetByRole(AriaRole.Button, new() { Name = "Save notification settings" }).ClickAsync();
        await Assertions.Expect(mail.GetByRole(AriaRole.Status))
            .ToHaveTextAsync("Your notification settings are saved.", new() { Timeout = 30_000 });
        settings = await api.GetFromJsonAsync<JsonElement>("/api/notifications/settings");
        Assert.Equal(JsonValueKind.Null, settings.GetProperty("balanceAlertThreshold").ValueKind);
        Assert.Empty(errors);
    }

    private static async Task<string> ReadStartAsync(string path)
    {
        var bytes = await File.ReadAllBytesAsync(path);
        return System.Text.Encoding.ASCII.GetString(bytes, 0, Math.Min(bytes.Length, 5));
    }

    // A customer who may pay, with credit EUR on the balance, once the panel is up.
    private async Task<(HttpClient Api, Guid AccountId, string Email)> CustomerAsync(string prefix, decimal credit)
    {
        using (var starting = new CancellationTokenSource(TimeSpan.FromMinutes(3)))
        {
            await stack.WaitHealthyAsync(ResourceNames.Panel, starting.Token);
        }

        return await stack.RegisterPayingCustomerAsync(prefix, credit);
    }

    // A VPS S for a month, placed through the API: the order as answered.
    private static async Task<JsonElement> PlaceVpsAsync(HttpClient api)
    {
        using var placed = await PostAsync(api, "/api/orders", OrderForms.Body("vps-s", 1));
        Assert.Equal(HttpStatusCode.Created, placed.StatusCode);
        return await placed.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static Task<IBrowser> LaunchAsync(IPlaywright playwright) =>
        playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"],
        });

    // A page, and the errors it raises: a page error, or an exception in a component (which Blazor logs to the
    // console rather than raising).
    private static async Task<(IPage Page, List<string> Errors)> OpenAsync(IBrowserContext context)
    {
        var page = await context.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, error) => errors.Add(error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && message.Text.Contains("Unhandled exception", StringComparison.Ordinal))
            {
                errors.Add(message.Text);
            }
        };
        return (page, errors);
    }

    // Opens the panel, which sends the visitor to the gateway's sign-in page, signs in and comes back to the orders.
    private async Task SignInAsync(IPage page, string login)
    {
        await page.GotoAsync(stack.PanelAddress.ToString());
        await page.WaitForURLAsync(url => url.Contains("/account/login", StringComparison.Ordinal)
            || url.Contains("/connect/authorize", StringComparison.Ordinal), new() { Timeout = 60_000 });
        await page.GetByLabel("Billing login").FillAsync(login);
        await page.GetByLabel("Password", new() { Exact = true }).FillAsync(StackFixture.PayingCustomerPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await page.WaitForURLAsync($"{stack.PanelAddress}orders", new() { Timeout = 60_000 });
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient api, string path, object body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        return await api.SendAsync(request);
    }
}
