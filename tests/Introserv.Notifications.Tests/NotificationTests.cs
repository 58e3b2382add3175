using Introserv.BuildingBlocks.Messaging;
using System.Text.Json.Nodes;
using Introserv.Identity.Contracts;
using Introserv.Notifications.Data;
using Introserv.Orders.Contracts;
using Introserv.Profile.Contracts;

namespace Introserv.Notifications.Tests;

public sealed class NotificationTests(NotificationsServiceFactory factory)
    : IClassFixture<NotificationsServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<(Guid AccountId, string Email)> RegisterAsync()
    {
        var accountId = Guid.NewGuid();
        var email = $"n{accountId:N}@example.com";
        await factory.PublishAsync(new AccountRegistered(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, $"n{accountId:N}"[..20], email, "Ana", "Lee"));
        var welcome = Assert.Single(await factory.MailsToAsync(email));
        Assert.Equal("Welcome to Introserv", welcome.Subject);
        return (accountId, email);
    }

    // A change sends the version it read, as a client must: If-Match with the ETag of a fresh read, unless the body
    // names one.
    private static async Task<(HttpStatusCode, JsonElement)> PutSettingsAsync(HttpClient http, object body)
    {
        if (JsonSerializer.SerializeToNode(body) is JsonObject json && json.ContainsKey("version"))
        {
            return await SendAsync(http, HttpMethod.Put, "/api/notifications/settings", body);
        }

        using var read = await http.GetAsync("/api/notifications/settings");
        using var request = new HttpRequestMessage(HttpMethod.Put, "/api/notifications/settings")
        {
            Content = JsonContent.Create(body)
        };
        request.Headers.TryAddWithoutValidation("If-Match", read.Headers.ETag?.ToString());
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private static async Task<(HttpStatusCode, JsonElement)> SendAsync(
        HttpClient http, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Content = body is null ? null : JsonContent.Create(body)
        };
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    [Fact]
    public async Task A_new_account_gets_default_settings_and_one_welcome_even_when_the_event_comes_twice()
    {
        var accountId = Guid.NewGuid();
        var email = $"w{accountId:N}@example.com";
        var registered = new AccountRegistered(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, "welcome.me", email, "Ana", "Lee");

        await factory.PublishAsync(registered);
        await factory.PublishAsync(registered);
        await factory.MailsToAsync(email);
        await factory.SettledAsync();
        using var http = factory.Customer(accountId);
        var (status, settings) = await SendAsync(http, HttpMethod.Get, "/api/notifications/settings");

        var welcome = Assert.Single(factory.Mail.List(email));
        Assert.Contains("welcome.me", welcome.Text, StringComparison.Ordinal);
        Assert.Contains("Hello Ana", welcome.Html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(settings.GetProperty("newsSubscription").GetBoolean());
        Assert.Equal(JsonValueKind.Null, settings.GetProperty("balanceAlertThreshold").ValueKind);
        Assert.All(new[] { "account", "invoicesOrders", "support", "complaints" },
            c => Assert.Equal(email, settings.GetProperty("emails").GetProperty(c).GetString()));
    }

    [Fact]
    public async Task Every_security_event_reaches_the_account_address_once()
    {
        var (accountId, email) = await RegisterAsync();
        var password = new PasswordChanged(Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, "198.51.100.7");

        await factory.PublishAsync(password);
        await factory.PublishAsync(password);
        await factory.PublishAsync(new IpAllowListChanged(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, ["203.0.113.0/24", "198.51.100.7"], 2));
        await factory.PublishAsync(new SecurityCodeSet(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, "198.51.100.7"));
        await factory.PublishAsync(new TwoFactorChanged(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, true, "198.51.100.7"));
        await factory.PublishAsync(new SignedInFromNewAddress(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, "192.0.2.99", "Firefox"));
        var mails = await factory.MailsToAsync(email, 6);
        await factory.SettledAsync();

        var subjects = factory.Mail.List(email).Select(m => m.Subject).Order().ToList();
        Assert.Equal(
            ["New sign-in to your account", "Two-step sign-in turned on", "Welcome to Introserv",
                "Your IP access restrictions were changed", "Your password was changed",
                "Your support security code was set"],
            subjects);
        var notice = mails.Single(m => m.Subject == "New sign-in to your account").Text;
        Assert.Contains("192.0.2.99", notice, StringComparison.Ordinal);
        Assert.Contains("https://panel.test/account/security/sessions", notice, StringComparison.Ordinal);
        Assert.Contains("203.0.113.0/24, 198.51.100.7",
            mails.Single(m => m.Subject.Contains("IP access", StringComparison.Ordinal)).Text,
            StringComparison.Ordinal);
        Assert.All(mails, m => Assert.Equal("billing@introserv.localhost", m.From));
    }

    [Fact]
    public async Task Support_decisions_reach_the_customer_with_their_reason_and_a_customers_own_change_sends_nothing()
    {
        var (accountId, email) = await RegisterAsync();
        var staff = Guid.NewGuid();

        await factory.PublishAsync(new IpAllowListChanged(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, [], 3, "Locked out after moving office"));
        await factory.PublishAsync(new TwoFactorChanged(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, false, null, "Authenticator phone lost"));
        await factory.PublishAsync(new Introserv.Profile.Contracts.CompanyVerificationChanged(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, "pending", null, null));
        await factory.PublishAsync(new Introserv.Profile.Contracts.CompanyVerificationChanged(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, "rejected",
            "The registration number does not match the register", staff));
        await factory.PublishAsync(new Introserv.Profile.Contracts.CountryChanged(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, "BG", "RO", "Company moved to Bucharest", staff));
        var mails = await factory.MailsToAsync(email, 5);
        await factory.SettledAsync();

        // the welcome and four: the customer's own company change sends none
        Assert.Equal(5, factory.Mail.List(email).Count);
        Assert.Contains("Locked out after moving office",
            mails.Single(m => m.Subject.Contains("IP access", StringComparison.Ordinal)).Text,
            StringComparison.Ordinal);
        Assert.Contains("Authenticator phone lost", mails.Single(m => m.Subject == "Two-step sign-in turned off").Text,
            StringComparison.Ordinal);
        Assert.Contains("does not match the register",
            mails.Single(m => m.Subject == "Your company details were not approved").Text, StringComparison.Ordinal);
        var country = mails.Single(m => m.Subject == "The country of your account was changed").Text;
        Assert.Contains("from BG to RO: Company moved to Bucharest", country, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_email_change_links_the_new_address_tells_the_old_one_and_moves_the_categories_that_followed()
    {
        var (accountId, oldEmail) = await RegisterAsync();
        using var http = factory.Customer(accountId);
        await PutSettingsAsync(http, new { complaints = "legal@example.com" });
        var newEmail = $"moved{accountId:N}@example.com";
        var token = "tok_" + Guid.NewGuid().ToString("N");

        await factory.PublishAsync(new EmailChangeRequested(Guid.NewGuid(), DateTimeOffset.UtcNow, accountId,
            Guid.NewGuid(), oldEmail, newEmail, token, DateTimeOffset.UtcNow.AddHours(24)));
        var link = Assert.Single(await factory.MailsToAsync(newEmail));
        await factory.PublishAsync(new EmailChanged(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, oldEmail, newEmail));
        var notices = await factory.MailsToAsync(oldEmail, 2);
        var (_, settings) = await SendAsync(http, HttpMethod.Get, "/api/notifications/settings");

        Assert.Equal("Confirm your new email address", link.Subject);
        Assert.Contains($"https://panel.test/profile/email-change/confirm?token={token}", link.Text,
            StringComparison.Ordinal);
        Assert.Contains($"href=\"https://panel.test/profile/email-change/confirm?token={token}\"", link.Html,
            StringComparison.Ordinal);
        Assert.Equal("Your email address was changed", notices[^1].Subject);
        Assert.Contains(newEmail, notices[^1].Text, StringComparison.Ordinal);
        var emails = settings.GetProperty("emails");
        Assert.Equal((newEmail, newEmail, newEmail, "legal@example.com"),
            (emails.GetProperty("account").GetString(), emails.GetProperty("invoicesOrders").GetString(),
                emails.GetProperty("support").GetString(), emails.GetProperty("complaints").GetString()));
    }

    [Fact]
    public async Task The_sign_up_confirmation_link_goes_to_the_account_address_once()
    {
        var (accountId, email) = await RegisterAsync();
        var token = "tok_" + Guid.NewGuid().ToString("N");
        var requested = new EmailConfirmationRequested(Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, Guid.NewGuid(),
            email, token, DateTimeOffset.UtcNow.AddHours(24));

        await factory.PublishAsync(requested);
        await factory.PublishAsync(requested);
        var mails = await factory.MailsToAsync(email, 2);
        await factory.SettledAsync();

        var link = Assert.Single(factory.Mail.List(email), m => m.Subject == "Confirm your email address");
        Assert.Contains($"https://panel.test/profile/email-change/confirm?token={token}", link.Text,
            StringComparison.Ordinal);
        Assert.Contains("password resets and news are not sent", link.Text, StringComparison.Ordinal);
        Assert.Equal(2, mails.Count); // the welcome and the link
    }

    [Fact]
    public async Task Order_and_invoice_events_go_to_the_invoices_and_orders_address_once()
    {
        var (accountId, email) = await RegisterAsync();
        using var http = factory.Customer(accountId);
        var orders = $"orders{accountId:N}@example.com";
        await PutSettingsAsync(http, new { invoicesOrders = orders });
        var orderId = Guid.NewGuid();
        var invoiceId = Guid.NewGuid();
        var paidUntil = new DateTimeOffset(2027, 3, 2, 10, 0, 0, TimeSpan.Zero);
        var placed = new OrderPlaced(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, orderId, "vps-m", 3, 57.91m, "EUR");

        await factory.PublishAsync(placed);
        await factory.PublishAsync(placed);
        await factory.PublishAsync(new InvoiceIssued(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, invoiceId, orderId, "new_order", 57.91m, "EUR",
            "2026-000042"));
        await factory.PublishAsync(new InvoicePaid(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, invoiceId, orderId, 57.91m, "EUR"));
        await factory.PublishAsync(new OrderActivated(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, orderId, "vps-m", "203.0.113.10", paidUntil));
        await factory.PublishAsync(new OrderRenewed(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, orderId, 1, 19.90m, "EUR", paidUntil.AddMonths(1)));
        var mails = await factory.MailsToAsync(orders, 5);
        await factory.SettledAsync();

        Assert.Equal(5, factory.Mail.List(orders).Count);
        Assert.Equal(["welcome"],
            (await factory.NotificationsOfAsync(accountId)).Where(n => n.Recipient == email).Select(n => n.Type));
        Assert.Contains(mails, m => m.Subject == "Your vps-m is active"
            && m.Text!.Contains("203.0.113.10, paid until 2027-03-02", StringComparison.Ordinal));
        Assert.Contains(mails,
            m => m.Subject == "Order received: vps-m" && m.Text!.Contains("57.91 EUR", StringComparison.Ordinal));
        Assert.Contains(mails,
            m => m.Subject == "Your service was renewed" && m.Text!.Contains("2027-04-02", StringComparison.Ordinal));
        // The invoice's number; an event written before numbers were carried names the invoice's id.
        Assert.Contains(mails, m => m.Subject == "Invoice 2026-000042"
            && m.Text!.Contains("invoice 2026-000042 over 57.91 EUR", StringComparison.Ordinal));
        Assert.Contains(mails, m => m.Subject == $"Invoice {invoiceId:N} paid");
    }

    [Fact]
    public async Task The_invoice_mail_links_to_the_invoices_pdf_and_says_until_when_and_only_to_a_web_address()
    {
        var (accountId, _) = await RegisterAsync();
        using var http = factory.Customer(accountId);
        var orders = $"links{accountId:N}@example.com";
        await PutSettingsAsync(http, new { invoicesOrders = orders });
        var until = new DateTimeOffset(2027, 1, 4, 9, 30, 0, TimeSpan.Zero);
        var link = $"https://billing.test/api/invoice-links/{accountId:D}/{Guid.NewGuid():D}/pdf" +
            $"?expires={until.ToUnixTimeSeconds()}&signature=c2lnbmF0dXJl";

        await factory.PublishAsync(new InvoiceIssued(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, Guid.NewGuid(), Guid.NewGuid(), "new_order", 11.88m,
            "EUR", "2026-000101", link));
        await factory.PublishAsync(new InvoiceIssued(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, Guid.NewGuid(), Guid.NewGuid(), "new_order", 11.88m,
            "EUR", "2026-000102", "javascript:alert(1)"));
        var mails = await factory.MailsToAsync(orders, 2);

        var linked = Assert.Single(mails, m => m.Subject == "Invoice 2026-000101");
        Assert.Contains(link, linked.Text, StringComparison.Ordinal);
        Assert.Contains("The link works until 2027-01-04", linked.Text, StringComparison.Ordinal);
        Assert.Contains($"href=\"{System.Net.WebUtility.HtmlEncode(link)}\"", linked.Html, StringComparison.Ordinal);
        var unlinked = Assert.Single(mails, m => m.Subject == "Invoice 2026-000102");
        Assert.DoesNotContain("javascript", unlinked.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("href", unlinked.Html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plan_changes_cancellations_refunds_and_the_lifecycle_are_mailed_to_the_orders_address()
    {
        var (accountId, _) = await RegisterAsync();
        using var http = factory.Customer(accountId);
        var orders = $"lifecycle{accountId:N}@example.com";
        await PutSettingsAsync(http, new { invoicesOrders = orders });
        var orderId = Guid.NewGuid();
        var now = DateTimeOffset.UtcNow;
        var paidUntil = new DateTimeOffset(2027, 3, 2, 10, 0, 0, TimeSpan.Zero);

        await factory.PublishAsync(new OrderPlanChanged(
            Guid.NewGuid(), now, accountId, orderId, "vps-s", "vps-m", 6.33m, "EUR"));
        await factory.PublishAsync(new OrderCancellationScheduled(
            Guid.NewGuid(), now, accountId, orderId, "vps-m", paidUntil, "Project over"));
        await factory.PublishAsync(new OrderCancellationWithdrawn(Guid.NewGuid(), now, accountId, orderId, "vps-m"));
        await factory.PublishAsync(new OrderOverdue(
            Guid.NewGuid(), now, accountId, orderId, "vps-m", paidUntil, paidUntil.AddDays(3)));
        await factory.PublishAsync(new OrderSuspended(
            Guid.NewGuid(), now, accountId, orderId, "vps-m", paidUntil.AddDays(17)));
        await factory.PublishAsync(new OrderTerminated(
            Guid.NewGuid(), now, accountId, orderId, "vps-m", "203.0.113.10"));
        await factory.PublishAsync(new RefundIssued(
            Guid.NewGuid(), now, accountId, orderId, Guid.NewGuid(), 12.40m, "EUR", "cancellation"));
        await factory.PublishAsync(new OrderCancelled(
            Guid.NewGuid(), now, accountId, Guid.NewGuid(), "ds-e3", "immediate", 12.40m, "EUR", null));
        await factory.PublishAsync(new OrderRenewalDue(
            Guid.NewGuid(), now, accountId, orderId, "vps-m", paidUntil, 3, AutoRenew: true, 19.90m, 5.00m, "EUR",
            100042, "VPS M"));
        // A top-up's receipt and a failed one are mailed; one that expired unpaid is not.
        await factory.PublishAsync(new TopUpCompleted(
            Guid.NewGuid(), now, accountId, Guid.NewGuid(), 40m, "EUR", "card", "expired", null, null));
        await factory.PublishAsync(new TopUpCompleted(
            Guid.NewGuid(), now, accountId, Guid.NewGuid(), 40m, "EUR", "card", "succeeded", null, 45.50m));
        await factory.PublishAsync(new TopUpCompleted(
            Guid.NewGuid(), now, accountId, Guid.NewGuid(), 10m, "EUR", "sepa", "failed", "declined", null));
        var mails = await factory.MailsToAsync(orders, 11);
        var log = await factory.NotificationsOfAsync(accountId);

        Assert.Contains(mails, m => m.Subject == "Plan changed to vps-m"
            && m.Text!.Contains("6.33 EUR was charged", StringComparison.Ordinal));
        Assert.Contains(mails, m => m.Subject == "Your vps-m ends on 2027-03-02");
        Assert.Contains(mails, m => m.Subject == "Your vps-m continues");
        Assert.Contains(mails, m => m.Subject == "Your vps-m is overdue"
            && m.Text!.Contains("before 2027-03-05", StringComparison.Ordinal));
        Assert.Contains(mails, m => m.Subject == "Your vps-m is suspended"
            && m.Text!.Contains("before 2027-03-19", StringComparison.Ordinal));
        Assert.Contains(mails, m => m.Subject == "Your vps-m was terminated"
            && m.Text!.Contains("203.0.113.10 was released", StringComparison.Ordinal));
        Assert.Contains(mails, m => m.Subject == "A refund was credited to your balance"
            && m.Text!.Contains("12.40 EUR", StringComparison.Ordinal));
        Assert.Contains(mails, m => m.Subject == "Your ds-e3 was cancelled"
            && m.Text!.Contains("12.40 EUR for the unused days", StringComparison.Ordinal));
        Assert.Contains(mails, m => m.Subject == "Your VPS M (order 100042) is paid until 2027-03-02"
            && m.Text!.Contains("your balance of 5.00 EUR does not cover that", StringComparison.Ordinal));
        Assert.Contains(mails, m => m.Subject == "Payment received: 40.00 EUR"
            && m.Text!.Contains("which is now 45.50 EUR", StringComparison.Ordinal));
        Assert.Contains(mails, m => m.Subject == "Your top-up of 10.00 EUR was not completed"
            && m.Text!.Contains("(declined)", StringComparison.Ordinal));
        Assert.Equal(
            ["order_cancellation_scheduled", "order_cancellation_withdrawn", "order_cancelled", "order_overdue",
                "order_plan_changed", "order_renewal_due", "order_suspended", "order_terminated", "refund_issued",
                "top_up_completed", "top_up_completed"],
            log.Where(n => n.Recipient == orders).Select(n => n.Type).Order());
    }

    [Fact]
    public async Task News_reaches_subscribers_once_and_never_those_who_opted_out()
    {
        var (subscriber, subscriberEmail) = await RegisterAsync();
        var (unconfirmed, unconfirmedEmail) = await RegisterAsync();
        var (_, optedOutEmail) = await RegisterAsync();
        foreach (var accountId in new[] { subscriber, unconfirmed })
        {
            using var http = factory.Customer(accountId);
            var (status, _) = await PutSettingsAsync(http, new { newsSubscription = true });
            Assert.Equal(HttpStatusCode.OK, status);
        }

        // Only a confirmed address receives news.
        await factory.PublishAsync(new Introserv.Profile.Contracts.EmailConfirmed(
            Guid.NewGuid(), DateTimeOffset.UtcNow, subscriber, subscriberEmail, 2));
        Assert.True(await Eventually.TrueAsync(
            () => factory.QueryAsync(db =>
                db.Settings.AnyAsync(x => x.AccountId == subscriber && x.AccountEmailConfirmed)),
            TimeSpan.FromSeconds(30)));

        using var staff = factory.Customer(Guid.NewGuid(), AuthenticationExtensions.StaffRole);
        using var customer = factory.Customer(subscriber);
        var issue = new
        {
            newsId = Guid.NewGuid(),
            subject = "New EPYC servers in Sofia",
            text = "Our Sofia data centre now offers EPYC servers.\n\nOrder them in the panel."
        };

        var (sent, first) = await SendAsync(staff, HttpMethod.Post, "/api/staff/notifications/news", issue);
        var (resent, second) = await SendAsync(staff, HttpMethod.Post, "/api/staff/notifications/news", issue);
        var (byCustomer, _) = await SendAsync(customer, HttpMethod.Post, "/api/staff/notifications/news", issue);
        var (invalid, problem) = await SendAsync(staff, HttpMethod.Post, "/api/staff/notifications/news",
            new { subject = "", text = "x" });
        var mails = await factory.MailsToAsync(subscriberEmail, 2);
        await factory.SettledAsync();

        Assert.Equal(HttpStatusCode.Accepted, sent);
        Assert.True(first.GetProperty("queued").GetInt32() >= 1);
        Assert.Equal((HttpStatusCode.Accepted, 0), (resent, second.GetProperty("queued").GetInt32()));
        Assert.Equal(HttpStatusCode.Forbidden, byCustomer);
        Assert.Equal(HttpStatusCode.BadRequest, invalid);
        Assert.Equal(["newsId", "subject"],
            problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order());
        var news = Assert.Single(factory.Mail.List(subscriberEmail), m => m.Subject == "New EPYC servers in Sofia");
        Assert.Contains("Order them in the panel.", news.Text, StringComparison.Ordinal);
        Assert.Contains("turn it off in the panel's notification settings", news.Text, StringComparison.Ordinal);
        Assert.Equal(2, mails.Count);
        Assert.DoesNotContain(factory.Mail.List(optedOutEmail), m => m.Subject == "New EPYC servers in Sofia");
        Assert.DoesNotContain(factory.Mail.List(unconfirmedEmail), m => m.Subject == "New EPYC servers in Sofia");
        Assert.Contains(await factory.NotificationsOfAsync(subscriber),
            n => n.Type == "news" && n.Category == "news" && n.Status == "sent");
    }

    [Fact]
    public async Task A_low_balance_alert_goes_once_per_crossing_to_the_invoices_address()
    {
        var (accountId, _) = await RegisterAsync();
        using var http = factory.Customer(accountId);
        var invoices = $"inv{accountId:N}@example.com";
        var (status, _) = await PutSettingsAsync(http,
            new { balanceAlertThreshold = new { amount = 20.00m, currency = "EUR" }, invoicesOrders = invoices });
        Assert.Equal(HttpStatusCode.OK, status);
        var sequence = 0L;
        // Ledger entries of one account come seconds apart; each is handled before the next is published.
        async Task Balance(decimal balance, string currency = "EUR")
        {
            var current = ++sequence;
            await factory.PublishAsync(new BalanceChanged(
                Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, balance, currency, -1m, "test", current));
            Assert.True(
                await Eventually.TrueAsync(async () => await factory.QueryAsync(db => db.Settings
                    .Where(s => s.AccountId == accountId)
                    .Select(s => s.BalanceSequence)
                    .SingleAsync()) >= current, TimeSpan.FromSeconds(20)),
                $"BalanceChanged {current} was not handled");
        }

        await Balance(50m);
        await Balance(15m);   // crosses: alert
        await Balance(10m);   // still below: nothing
        await Balance(5m, "USD"); // another currency: nothing
        await Balance(25m);   // back above: armed again
        await Balance(19.99m); // crosses again: alert
        var alerts = await factory.MailsToAsync(invoices, 2);
        await factory.SettledAsync();

        Assert.Equal(2, factory.Mail.List(invoices).Count);
        Assert.All(alerts, a => Assert.Equal("Your balance is low", a.Subject));
        // The delivery worker sends queued mails in parallel: the two alerts may arrive in either order.
        Assert.Single(alerts, a => (a.Text ?? "").Contains("15.00 EUR", StringComparison.Ordinal));
        Assert.Single(alerts, a => (a.Text ?? "").Contains("19.99 EUR", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_order_event_delivered_twenty_times_at_once_queues_one_mail_and_one_inbox_row()
    {
        var (accountId, _) = await RegisterAsync();
        using var http = factory.Customer(accountId);
        var orders = $"again{accountId:N}@example.com";
        await PutSettingsAsync(http, new { invoicesOrders = orders });
        var placed = new OrderPlaced(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, Guid.NewGuid(), "vps-s", 1, 9.90m, "EUR");

        var placedMessage = await factory.PublishRepeatedAsync(placed, 20);
        await factory.MailsToAsync(orders);
        await factory.SettledAsync();

        Assert.Single(factory.Mail.List(orders));
        Assert.Single(await factory.NotificationsOfAsync(accountId), n => n.SourceEventId == placed.EventId);
        // Other test classes' OrderPlaced events reach this host's consumer too: only this event's rows are counted.
        Assert.Equal(1, await factory.QueryAsync(db => db.Set<InboxMessage>().CountAsync(m =>
            m.Consumer == "Introserv.Notifications.Consumers.OrderPlacedConsumer" && m.MessageId == placedMessage)));
    }

    [Fact]
    public async Task Balance_events_handled_at_once_alert_a_crossing_only_once()
    {
        var (accountId, _) = await RegisterAsync();
        using var http = factory.Customer(accountId);
        var invoices = $"race{accountId:N}@example.com";
        await PutSettingsAsync(http,
            new { balanceAlertThreshold = new { amount = 100m, currency = "EUR" }, invoicesOrders = invoices });

        await Task.WhenAll(Enumerable.Range(1, 8).Select(i =>
            factory.PublishAsync(new BalanceChanged(
                Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, 50m - i, "EUR", -1m, "test", i))));
        await factory.MailsToAsync(invoices);

        await factory.SettledAsync();
        Assert.Single(factory.Mail.List(invoices));
    }

    [Fact]
    public async Task Settings_are_validated_field_by_field_and_guarded_by_version()
    {
        var (accountId, _) = await RegisterAsync();
        using var http = factory.Customer(accountId);

        var (invalid, problem) = await PutSettingsAsync(http, new
        {
            invoicesOrders = "not-an-address",
            support = "a@b",
            balanceAlertThreshold = new { amount = -1m, currency = "euro" },
        });
        var (ok, settings) = await PutSettingsAsync(http,
            new { newsSubscription = true, support = "help@example.com", version = 1 });
        var (stale, staleBody) = await PutSettingsAsync(http, new { newsSubscription = false, version = 1 });
        var (unguarded, unguardedBody) = await SendAsync(http, HttpMethod.Put, "/api/notifications/settings",
            new { newsSubscription = false });
        using var staleHeader = new HttpRequestMessage(HttpMethod.Put, "/api/notifications/settings")
        {
            Content = JsonContent.Create(new { newsSubscription = false })
        };
        staleHeader.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        using var staleHeaderResponse = await http.SendAsync(staleHeader);
        var (_, current) = await SendAsync(http, HttpMethod.Get, "/api/notifications/settings");

        Assert.Equal(HttpStatusCode.BadRequest, invalid);
        Assert.Equal(["balanceAlertThreshold.amount", "balanceAlertThreshold.currency", "invoicesOrders", "support"],
            problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order());
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.True(settings.GetProperty("newsSubscription").GetBoolean());
        Assert.Equal("help@example.com", settings.GetProperty("emails").GetProperty("support").GetString());
        Assert.Equal(HttpStatusCode.PreconditionFailed, stale);
        Assert.Equal("settings_version_mismatch", staleBody.GetProperty("code").GetString());
        Assert.Equal((HttpStatusCode.PreconditionRequired, "precondition_required"),
            (unguarded, unguardedBody.GetProperty("code").GetString()));
        Assert.Equal(HttpStatusCode.PreconditionFailed, staleHeaderResponse.StatusCode);
        Assert.True(current.GetProperty("newsSubscription").GetBoolean());
    }

    [Fact]
    public async Task Balance_events_and_an_email_confirmation_between_read_and_write_do_not_refuse_the_customers_edit()
    {
        var (accountId, email) = await RegisterAsync();
        using var http = factory.Customer(accountId);
        using var read = await http.GetAsync("/api/notifications/settings");
        var etag = read.Headers.ETag!.ToString();

        await factory.PublishAsync(new BalanceChanged(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, 40m, "EUR", -10m, "test", 1));
        await factory.PublishAsync(new Introserv.Profile.Contracts.EmailConfirmed(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, email, 2));
        Assert.True(await Eventually.TrueAsync(
            () => factory.QueryAsync(db => db.Settings.AnyAsync(x =>
                x.AccountId == accountId && x.AccountEmailConfirmed && x.BalanceSequence == 1)),
            TimeSpan.FromSeconds(30)));
        using var write = new HttpRequestMessage(HttpMethod.Put, "/api/notifications/settings")
        {
            Content = JsonContent.Create(new { newsSubscription = true })
        };
        write.Headers.TryAddWithoutValidation("If-Match", etag);
        using var written = await http.SendAsync(write);

        Assert.Equal(HttpStatusCode.OK, written.StatusCode);
        Assert.NotEqual(etag, written.Headers.ETag!.ToString());
    }

    [Fact]
    public async Task A_settings_change_touches_only_what_it_names()
    {
        var (accountId, _) = await RegisterAsync();
        using var http = factory.Customer(accountId);
        var (set, _) = await PutSettingsAsync(http,
            new { balanceAlertThreshold = new { amount = 25.50m, currency = "EUR" }, support = "help@example.com" });

        var (news, afterNews) = await PutSettingsAsync(http, new { newsSubscription = true });
        var (off, afterOff) = await PutSettingsAsync(http, new { balanceAlertThreshold = (object?)null });

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), (set, news, off));
        Assert.True(afterNews.GetProperty("newsSubscription").GetBoolean());
        Assert.Equal(25.50m, afterNews.GetProperty("balanceAlertThreshold").GetProperty("amount").GetDecimal());
        Assert.Equal("help@example.com", afterNews.GetProperty("emails").GetProperty("support").GetString());
        Assert.Equal(JsonValueKind.Null, afterOff.GetProperty("balanceAlertThreshold").ValueKind);
        Assert.True(afterOff.GetProperty("newsSubscription").GetBoolean());
    }

    [Fact]
    public async Task The_log_shows_what_was_sent_newest_first_paged()
    {
        var (accountId, _) = await RegisterAsync();
        await factory.PublishAsync(new PasswordChanged(Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, null));
        await factory.PublishAsync(new SecurityCodeSet(Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, null));
        using var http = factory.Customer(accountId);
        await Eventually.ValueAsync(
            () => factory.NotificationsOfAsync(accountId),
            rows => rows.Count >= 3 && rows.All(r => r.Status == NotificationStatuses.Sent),
            TimeSpan.FromSeconds(20));

        var (_, first) = await SendAsync(http, HttpMethod.Get, "/api/notifications?limit=2");
        var (_, rest) = await SendAsync(http, HttpMethod.Get,
            $"/api/notifications?limit=2&cursor={first.GetProperty("nextCursor").GetString()}");
        using var stranger = factory.Customer(Guid.NewGuid());
        var (_, none) = await SendAsync(stranger, HttpMethod.Get, "/api/notifications");

        var entries = first.GetProperty("items")
            .EnumerateArray()
            .Concat(rest.GetProperty("items").EnumerateArray())
            .ToList();
        // The two security events may be handled in either order; the log is newest first by its sequence.
        Assert.Equal(["password_changed", "security_code_set", "welcome"],
            entries.Select(e => e.GetProperty("type").GetString()).Order());
        Assert.Equal("welcome", entries[^1].GetProperty("type").GetString());
        var sequences = entries.Select(e => e.GetProperty("sequence").GetInt64()).ToList();
        Assert.Equal(sequences.OrderDescending(), sequences);
        Assert.All(entries, e =>
            Assert.Equal(("sent", 1), (e.GetProperty("status").GetString(), e.GetProperty("attempts").GetInt32())));
        Assert.Equal(JsonValueKind.Null, rest.GetProperty("nextCursor").ValueKind);
        Assert.Equal(0, none.GetProperty("items").GetArrayLength());
    }
}

public sealed class SmtpOutageTests(SmtpDownNotificationsFactory factory)
    : IClassFixture<SmtpDownNotificationsFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task While_the_relay_is_down_mails_wait_however_many_attempts_and_are_delivered_once_it_is_back()
    {
        var accountId = Guid.NewGuid();
        var email = $"o{accountId:N}@example.com";
        await factory.PublishAsync(new AccountRegistered(
            Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, "outage.case", email, "Ana", "Lee"));

        // Twelve attempts: more than the ten after which mail used to fail for good during an outage.
        var waiting = await Eventually.ValueAsync(
            async () => (await factory.NotificationsOfAsync(accountId)).SingleOrDefault(),
            row => row is { Attempts: >= 12 },
            TimeSpan.FromSeconds(30));

        Assert.NotNull(waiting);
        Assert.Equal(NotificationStatuses.Queued, waiting.Status);
        Assert.True(waiting.Attempts >= 12, $"attempts: {waiting.Attempts}");
        Assert.False(string.IsNullOrEmpty(waiting.LastError));

        await factory.StartSmtpAsync();
        var delivered = Assert.Single(await factory.MailsToAsync(email, timeout: TimeSpan.FromSeconds(30)));
        var sent = await Eventually.ValueAsync(
            async () => (await factory.NotificationsOfAsync(accountId)).Single(),
            row => row.Status == NotificationStatuses.Sent);

        Assert.Equal("Welcome to Introserv", delivered.Subject);
        Assert.Equal(NotificationStatuses.Sent, sent.Status);
        Assert.True(sent.Attempts > waiting.Attempts);
        Assert.Null(sent.LastError);
        Assert.Single(factory.Mail.List(email));
    }
}
