using System.Globalization;
using System.Security.Cryptography;
using Aspire.Hosting.Testing;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using OtpNet;

namespace Introserv.EndToEnd.Tests;

// The reference panel as a customer clicks through it in headless Chromium: the app served by the panel resource,
// signed in through the gateway's sign-in page (authorization code + PKCE), calling only the gateway. Screenshots
// at 360 and 1280 pixels wide are kept in the test output (panel-screenshots).
[Collection(StackDefinition.Name)]
public sealed partial class PanelInBrowserTests(StackFixture stack)
{
    private static string Screenshots => Path.Combine(AppContext.BaseDirectory, "panel-screenshots");

    [Fact]
    public async Task A_customer_signs_in_sees_the_orders_renews_and_cancels_one_edits_the_profile_and_signs_out()
    {
        var (api, _, email) = await CustomerAsync("panel", 500m);
        using var _ = api;
        var login = email.Split('@')[0];
        var number = (await PlaceVpsAsync(api)).GetProperty("number").GetInt64();

        await using var browser = await PanelBrowser.OpenAsync();
        var (page, errors) = (browser.Page, browser.Errors);

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
        var city = page.GetByLabel("City", new() { Exact = true });
        await Assertions.Expect(city).ToHaveValueAsync("Varna", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByLabel("Country", new() { Exact = true })).ToHaveValueAsync("Bulgaria");
        await city.FillAsync(string.Empty);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save personal information" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Enter your city.")).ToBeVisibleAsync();
        await city.FillAsync("Burgas");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save personal information" }).ClickAsync();
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
            await Expect.StatusAsync(HttpStatusCode.Created, credited);
        }

        await using var browser = await PanelBrowser.OpenAsync();
        var (page, errors) = (browser.Page, browser.Errors);
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

    [Fact]
    public async Task A_customer_orders_with_the_plans_form_tops_up_at_the_provider_pays_and_secures_the_account()
    {
        var (api, _, email) = await CustomerAsync("panelnew", 5m);
        using var _ = api;
        var login = email.Split('@')[0];
        await using var browser = await PanelBrowser.OpenAsync();
        var (page, errors) = (browser.Page, browser.Errors);
        await SignInAsync(page, login);
        var status = page.GetByRole(AriaRole.Status).Filter(new() { HasNotText = "Loading" });
        var sections = page.GetByRole(AriaRole.Navigation, new() { Name = "Sections" });

        // A new order: the kind, the plan, the period and the plan's form; a bad hostname is refused on the page.
        await page.GetByRole(AriaRole.Link, new() { Name = "Place a new order" }).ClickAsync();
        await page.GetByLabel("VPS/VDS").CheckAsync(new() { Timeout = 30_000 });
        await page.GetByRole(AriaRole.Radio, new() { Name = "VPS M" }).CheckAsync();
        await page.GetByLabel("Billing period").SelectOptionAsync("3");
        await page.GetByLabel("Operating system").SelectOptionAsync("ubuntu-24.04");
        await page.GetByLabel("Hostname").FillAsync("bad_host!");
        await page.GetByRole(AriaRole.Button, new() { Name = "Place the order" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Hostname is not valid.")).ToBeVisibleAsync();
        await page.GetByLabel("Hostname").FillAsync("Web1.example.com");
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "new-order-1280.png"), FullPage = true });
        await page.GetByRole(AriaRole.Button, new() { Name = "Place the order" }).ClickAsync();
        await Assertions.Expect(status).ToContainTextAsync("waits for payment", new() { Timeout = 30_000 });
        var orders = await api.GetFromJsonAsync<JsonElement>("/api/orders");
        var placed = Assert.Single(orders.GetProperty("items").EnumerateArray());
        Assert.Equal(("vps-m", 3, "pending_payment"), (placed.GetProperty("planId").GetString(),
            placed.GetProperty("periodMonths").GetInt32(), placed.GetProperty("status").GetString()));
        Assert.Equal("web1.example.com", placed.GetProperty("fields").GetProperty("hostname").GetString());
        var number = placed.GetProperty("number").GetInt64().ToString(CultureInfo.InvariantCulture);

        // A top-up: below the method's minimum is refused on the page; then the provider's page approves it and
        // sends the browser back to the panel, where the payment shows as credited.
        await sections.GetByRole(AriaRole.Link, new() { Name = "Balance and invoices" }).ClickAsync();
        var topUp = page.GetByRole(AriaRole.Region, new() { Name = "Top up" });
        await topUp.GetByLabel("Amount (EUR)").FillAsync("3", new() { Timeout = 30_000 });
        await topUp.GetByRole(AriaRole.Button, new() { Name = "Continue to payment" }).ClickAsync();
        await Assertions.Expect(topUp.GetByText("takes 5.00 EUR to")).ToBeVisibleAsync();
        await topUp.GetByLabel("Amount (EUR)").FillAsync("80");
        await topUp.GetByRole(AriaRole.Button, new() { Name = "Continue to payment" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Approve" }).ClickAsync(new() { Timeout = 30_000 });
        await page.WaitForURLAsync($"{stack.PanelAddress}balance", new() { Timeout = 60_000 });
        await Assertions.Expect(topUp.GetByRole(AriaRole.Row).Filter(new() { HasText = "80.00 EUR" }))
            .ToContainTextAsync("Credited", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByTestId("balance")).ToHaveTextAsync("85.00 EUR", new() { Timeout = 30_000 });

        // The waiting order is paid from its row.
        await sections.GetByRole(AriaRole.Link, new() { Name = "Orders", Exact = true }).ClickAsync();
        var row = page.GetByRole(AriaRole.Row).Filter(new() { HasText = number });
        await row.GetByRole(AriaRole.Button, new() { Name = $"Pay order {number} from the balance" })
            .ClickAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(status).ToContainTextAsync($"Order {number} is paid.", new() { Timeout = 30_000 });
        await Assertions.Expect(row).ToContainTextAsync("Active");

        // Security: the code is set once; the IP restriction warns before it would lock this browser out and
        // names a bad line; the password needs the current one.
        await sections.GetByRole(AriaRole.Link, new() { Name = "Security" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Account access" }))
            .ToContainTextAsync(login, new() { Timeout = 30_000 });
        var here = (await page.GetByTestId("current-address").InnerTextAsync()).Trim();
        Assert.Contains(here, new[] { "127.0.0.1", "::1" });
        await page.Locator("#security-code").FillAsync("amber-4821");
        await page.GetByLabel("The same code again").FillAsync("amber-4821");
        await page.GetByRole(AriaRole.Button, new() { Name = "Set the security code" }).ClickAsync();
        await Assertions.Expect(status).ToHaveTextAsync("Your security code is set.", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("#security-code")).ToHaveCountAsync(0);

        var list = page.GetByLabel("Allowed addresses");
        var save = page.GetByRole(AriaRole.Button, new() { Name = "Save the IP restriction" });
        await list.FillAsync("192.0.2.10");
        await save.ClickAsync();
        await Assertions.Expect(page.GetByText($"I understand that I will lose access from {here}"))
            .ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(save).ToBeDisabledAsync();
        await list.FillAsync("192.0.2.300");
        await save.ClickAsync();
        await Assertions.Expect(page.GetByText("Line 1:")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await list.FillAsync("192.0.2.10\n127.0.0.1\n::1");
        await save.ClickAsync();
        await Assertions.Expect(status).ToContainTextAsync("only from the 3 line(s)", new() { Timeout = 30_000 });
        var security = await api.GetFromJsonAsync<JsonElement>("/api/account/security");
        Assert.True(security.GetProperty("securityCodeSet").GetBoolean());
        Assert.Equal(3, security.GetProperty("ipAllowList").GetProperty("entries").GetArrayLength());
        await list.FillAsync(string.Empty);
        await save.ClickAsync();
        await Assertions.Expect(status).ToHaveTextAsync(
            "Your account accepts requests from any address.", new() { Timeout = 30_000 });

        // An authenticator app: the key shown, a first code turns it on and the recovery codes appear once; then off.
        await page.GetByRole(AriaRole.Button, new() { Name = "Set up an authenticator app" }).ClickAsync();
        var secret = (await page.GetByTestId("totp-secret").InnerTextAsync(new() { Timeout = 30_000 })).Trim();
        await page.GetByLabel("Code from the app").FillAsync(new Totp(Base32Encoding.ToBytes(secret)).ComputeTotp());
        await page.GetByRole(AriaRole.Region, new() { Name = "Two-factor sign-in" })
            .GetByRole(AriaRole.Button, new() { Name = "Turn on", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.List, new() { Name = "Recovery codes" }).GetByRole(
            AriaRole.Listitem)).ToHaveCountAsync(10, new() { Timeout = 30_000 });
        security = await api.GetFromJsonAsync<JsonElement>("/api/account/security");
        Assert.True(security.GetProperty("twoFactor").GetProperty("enabled").GetBoolean());
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn two-factor sign-in off" }).ClickAsync();
        await Assertions.Expect(status).ToHaveTextAsync("Two-factor sign-in is off.", new() { Timeout = 30_000 });

        // The sessions: the API client's own is ended from here, and that client is refused at once.
        var sessions = page.GetByRole(AriaRole.Region, new() { Name = "Sessions" });
        await sessions.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("^End the session") }).First
            .ClickAsync();
        await Assertions.Expect(status).ToContainTextAsync("The session is ended", new() { Timeout = 30_000 });
        using (var ended = await api.GetAsync(new Uri("/api/account/security", UriKind.Relative)))
        {
            await Expect.StatusAsync(HttpStatusCode.Unauthorized, ended);
        }

        await page.GetByLabel("Current password").FillAsync("not my password 1");
        await page.GetByLabel("New password", new() { Exact = true }).FillAsync("harbour lights 84 cranes");
        await page.GetByLabel("New password again").FillAsync("harbour lights 84 cranes");
        await page.GetByRole(AriaRole.Button, new() { Name = "Change the password" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert).Filter(new() { HasText = "current password" }).First)
            .ToBeVisibleAsync(new() { Timeout = 30_000 });
        await page.GetByLabel("Current password").FillAsync(StackFixture.PayingCustomerPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Change the password" }).ClickAsync();
        await Assertions.Expect(status).ToContainTextAsync("Your password is changed", new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Recent changes" }))
            .ToContainTextAsync("Password changed", new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new() { Path = Path.Combine(Screenshots, "security-1280.png"), FullPage = true });

        Assert.Empty(errors);
    }

    [Fact]
    public async Task A_customer_verifies_the_phone_changes_the_email_by_the_mailed_link_and_becomes_a_company()
    {
        var (api, _, email) = await CustomerAsync("panelme", 0.01m);
        using var _ = api;
        var login = email.Split('@')[0];
        var phone = $"+35987{RandomNumberGenerator.GetInt32(1_000_000, 9_999_999)}";
        var newEmail = $"{login}.new@example.org";
        using var telephony = stack.App.CreateHttpClient(ResourceNames.TelephonyDev, ResourceNames.HttpEndpoint);
        using var mail = stack.App.CreateHttpClient(ResourceNames.MailDev, ResourceNames.HttpEndpoint);
        await using var browser = await PanelBrowser.OpenAsync();
        var (page, errors) = (browser.Page, browser.Errors);
        await SignInAsync(page, login);
        var sections = page.GetByRole(AriaRole.Navigation, new() { Name = "Sections" });
        var saved = page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Your personal information is saved." });

        // The country is support's to change: shown, not editable.
        await sections.GetByRole(AriaRole.Link, new() { Name = "Profile" }).ClickAsync();
        var country = page.GetByLabel("Country", new() { Exact = true });
        await Assertions.Expect(country).ToHaveValueAsync("Bulgaria", new() { Timeout = 30_000 });
        await Assertions.Expect(country).Not.ToBeEditableAsync();
        await Assertions.Expect(page.GetByText("to change it, contact support")).ToBeVisibleAsync();

        // The phone: saved with the profile (the postal address stays), then verified by a code sent as a text.
        await page.GetByLabel("Mobile phone").FillAsync(phone);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save personal information" }).ClickAsync();
        await Assertions.Expect(saved).ToBeVisibleAsync(new() { Timeout = 30_000 });
        var (profile, _) = await StackFixture.WaitForProfileAsync(api);
        Assert.Equal(phone, profile.GetProperty("phone").GetString());
        Assert.True(profile.GetProperty("postalAddress").GetProperty("complete").GetBoolean());
        var verify = page.GetByRole(AriaRole.Region, new() { Name = "Verify your phone" });
        await verify.GetByRole(AriaRole.Button, new() { Name = "Verify by text message" }).ClickAsync();
        await Assertions.Expect(verify.GetByRole(AriaRole.Status)).ToContainTextAsync("text message",
            new() { Timeout = 30_000 });
        // Another code at once is refused with the reason (a minute must pass after a delivered one).
        await verify.GetByRole(AriaRole.Button, new() { Name = "Try the other gateway" }).ClickAsync();
        await Assertions.Expect(verify.GetByRole(AriaRole.Alert))
            .ToContainTextAsync("Wait a little before asking for another code.", new() { Timeout = 30_000 });
        await verify.GetByLabel("Code").FillAsync("000000");
        await verify.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        await Assertions.Expect(verify.GetByRole(AriaRole.Alert)).ToContainTextAsync("The code is not correct.",
            new() { Timeout = 30_000 });
        await verify.GetByLabel("Code").FillAsync(await LastCodeAsync(telephony, phone));
        await verify.GetByRole(AriaRole.Button, new() { Name = "Confirm" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "is verified" }).First)
            .ToBeVisibleAsync(new() { Timeout = 30_000 });
        Assert.True((await StackFixture.WaitForProfileAsync(api)).Body.GetProperty("phoneVerified").GetBoolean());

        // The email: a change is mailed to the new address; its link confirms it on the sign-in pages.
        var emailSection = page.GetByRole(AriaRole.Region, new() { Name = "Email", Exact = true });
        await emailSection.GetByRole(AriaRole.Button, new() { Name = "Change email" }).ClickAsync();
        await emailSection.GetByLabel("New email address").FillAsync(newEmail);
        await emailSection.GetByRole(AriaRole.Button, new() { Name = "Send the confirmation link", Exact = true })
            .ClickAsync();
        await Assertions.Expect(emailSection.GetByRole(AriaRole.Status))
            .ToContainTextAsync($"We mailed a link to {newEmail}", new() { Timeout = 30_000 });
        var confirmation = await StackFixture.WaitForMailAsync(mail, newEmail, "Confirm your new email address");
        await page.GotoAsync(ConfirmLink().Match(confirmation.GetProperty("text").GetString()!).Value);
        if (await page.TitleAsync() == "Sign in · Introserv")
        {
            await page.GetByLabel("Billing login").FillAsync(login);
            await page.GetByLabel("Password", new() { Exact = true }).FillAsync(StackFixture.PayingCustomerPassword);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        }

        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm the address" }).ClickAsync();
        await Assertions.Expect(page.Locator("[role=status]")).ToContainTextAsync($"{newEmail} is confirmed");
        await page.GotoAsync($"{stack.PanelAddress}profile");
        await Assertions.Expect(page.GetByTestId("email")).ToHaveTextAsync(newEmail, new() { Timeout = 60_000 });

        // A company: its details are required, then wait for support's verification, which blocks payment.
        await page.GetByLabel("Company", new() { Exact = true }).CheckAsync();
        await page.GetByLabel("Company name").FillAsync("Petrov Hosting OOD");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save personal information" }).ClickAsync();
        await Assertions.Expect(page.GetByText("Enter the company's registration number.")).ToBeVisibleAsync();
        await page.GetByLabel("Registration number").FillAsync("204567890");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save personal information" }).ClickAsync();
        await Assertions.Expect(saved).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(page.GetByText("Support is verifying these company details")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Region, new() { Name = "Paying invoices" }))
            .ToContainTextAsync("Payment is blocked until support has verified your company.");
        await page.ScreenshotAsync(
            new() { Path = Path.Combine(Screenshots, "profile-company-1280.png"), FullPage = true });
        Assert.Empty(errors);
    }

    [Fact]
    public async Task A_customer_who_confirms_by_call_confirms_a_change_with_a_code_sent_to_the_phone()
    {
        var (api, _, email) = await CustomerAsync("panelcall", 0.01m);
        using var _ = api;
        var login = email.Split('@')[0];
        var phone = $"+35988{RandomNumberGenerator.GetInt32(1_000_000, 9_999_999)}";
        using var telephony = stack.App.CreateHttpClient(ResourceNames.TelephonyDev, ResourceNames.HttpEndpoint);

        // A verified phone and confirmation by call, set through the API.
        using (var started = await api.PostAsJsonAsync("/api/verification/challenges",
            new { purpose = "phone", channel = "sms", phone }))
        {
            await Expect.StatusAsync(HttpStatusCode.Created, started);
            var challenge = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
            using var confirmed = await api.PostAsJsonAsync($"/api/verification/challenges/{challenge}/confirm",
                new { code = await LastCodeAsync(telephony, phone) });
            await Expect.StatusAsync(HttpStatusCode.OK, confirmed);
        }

        Assert.True(await Eventually.TrueAsync(async () =>
        {
            using var on = await api.PutAsJsonAsync("/api/account/call-confirmation", new { enabled = true });
            return on.StatusCode == HttpStatusCode.OK;
        }, TimeSpan.FromSeconds(20)), "confirmation by call could not be turned on");

        await using var browser = await PanelBrowser.OpenAsync();
        var (page, errors) = (browser.Page, browser.Errors);
        await SignInAsync(page, login);
        var status = page.GetByRole(AriaRole.Status).Filter(new() { HasNotText = "Loading" });
        await page.GetByRole(AriaRole.Navigation, new() { Name = "Sections" })
            .GetByRole(AriaRole.Link, new() { Name = "Security" }).ClickAsync();

        // The IP restriction: refused until a code by text confirms this one change, then saved with its token.
        await page.GetByLabel("Allowed addresses").FillAsync("127.0.0.1\n::1", new() { Timeout = 30_000 });
        await page.GetByRole(AriaRole.Button, new() { Name = "Save the IP restriction" }).ClickAsync();
        var prompt = page.GetByRole(AriaRole.Region, new() { Name = "Confirm it is you" });
        await Assertions.Expect(prompt).ToContainTextAsync("change_ip_allow_list", new() { Timeout = 30_000 });
        await prompt.GetByRole(AriaRole.Button, new() { Name = "Text me a code" }).ClickAsync();
        await Assertions.Expect(prompt.GetByRole(AriaRole.Status)).ToContainTextAsync("We sent a text message",
            new() { Timeout = 30_000 });
        await prompt.GetByLabel("Code").FillAsync(await LastCodeAsync(telephony, phone));
        await prompt.GetByRole(AriaRole.Button, new() { Name = "Confirm and continue" }).ClickAsync();
        await Assertions.Expect(status).ToContainTextAsync("only from the 2 line(s)", new() { Timeout = 30_000 });
        await Assertions.Expect(prompt).ToHaveCountAsync(0);
        var security = await api.GetFromJsonAsync<JsonElement>("/api/account/security");
        Assert.Equal(2, security.GetProperty("ipAllowList").GetProperty("entries").GetArrayLength());

        // Turning confirmation by call off is itself confirmed by a call: the last digits of the calling number.
        await page.GetByRole(AriaRole.Region, new() { Name = "Confirmation by call" })
            .GetByRole(AriaRole.Button, new() { Name = "Turn off" }).ClickAsync();
        await prompt.GetByRole(AriaRole.Button, new() { Name = "Call me with a code" })
            .ClickAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(prompt.GetByRole(AriaRole.Status)).ToContainTextAsync("We are calling",
            new() { Timeout = 30_000 });
        await prompt.GetByLabel("Code").FillAsync(await LastCodeAsync(telephony, phone));
        await prompt.GetByRole(AriaRole.Button, new() { Name = "Confirm and continue" }).ClickAsync();
        await Assertions.Expect(status).ToHaveTextAsync("Confirmation by call is off.", new() { Timeout = 30_000 });
        security = await api.GetFromJsonAsync<JsonElement>("/api/account/security");
        Assert.False(security.GetProperty("callConfirmation").GetProperty("enabled").GetBoolean());
        Assert.Empty(errors);
    }

    private static async Task<string> LastCodeAsync(HttpClient telephony, string phone)
    {
        var messages = await telephony.GetFromJsonAsync<JsonElement>(
            $"/api/messages?to={Uri.EscapeDataString(phone)}");
        return messages.EnumerateArray()
            .First(m => m.GetProperty("outcome").GetString() == "delivered")
            .GetProperty("code").GetString()!;
    }

    [GeneratedRegex(@"https?://\S+/account/email-confirmation\?token=\S+")]
    private static partial Regex ConfirmLink();

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
        await Expect.StatusAsync(HttpStatusCode.Created, placed);
        return await placed.Content.ReadFromJsonAsync<JsonElement>();
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

// Headless Debian Chromium at 1280 × 900 with downloads accepted, and the errors the page raises: a page error, or
// an exception in a component (which Blazor logs to the console rather than raising).
internal sealed class PanelBrowser : IAsyncDisposable
{
    private IPlaywright _playwright = null!;
    private IBrowser _chromium = null!;
    private IBrowserContext _context = null!;

    public IPage Page { get; private set; } = null!;

    public List<string> Errors { get; } = [];

    public static async Task<PanelBrowser> OpenAsync()
    {
        var browser = new PanelBrowser { _playwright = await Playwright.CreateAsync() };
        browser._chromium = await browser._playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"],
        });
        browser._context = await browser._chromium.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 }, AcceptDownloads = true,
        });
        browser.Page = await browser._context.NewPageAsync();
        browser.Page.PageError += (_, error) => browser.Errors.Add(error);
        browser.Page.Console += (_, message) =>
        {
            if (message.Type == "error" && message.Text.Contains("Unhandled exception", StringComparison.Ordinal))
            {
                browser.Errors.Add(message.Text);
            }
        };
        return browser;
    }

    public async ValueTask DisposeAsync()
    {
        await _context.DisposeAsync();
        await _chromium.DisposeAsync();
        _playwright.Dispose();
    }
}
