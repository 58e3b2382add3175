using Introserv.BuildingBlocks.Messaging;
using Introserv.Orders.Domain;

namespace Introserv.Orders.Tests;

// VAT in the default settings (seller in BG, the EU's standard rates), through the service's HTTP API, the real
// Profile service (its country, company verification and VAT number) and PostgreSQL: each tax case is charged
// gross from the balance, its invoice carries net, rate, tax and rule, and a refund or a downgrade's credit
// reverses the tax the money was charged with.
public sealed class TaxTests(OrdersServiceFactory factory) : IClassFixture<OrdersServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static string? Code(JsonElement problem) =>
        problem.TryGetProperty("code", out var code) ? code.GetString() : null;

    private static (decimal Net, decimal Rate, decimal Tax, decimal Gross, string? Rule, string? Country) TaxOf(
        JsonElement tax) =>
        (tax.GetProperty("net").GetDecimal(), tax.GetProperty("taxRate").GetDecimal(),
            tax.GetProperty("tax").GetDecimal(), tax.GetProperty("gross").GetDecimal(),
            tax.GetProperty("rule").GetString(),
            tax.GetProperty("country").ValueKind == JsonValueKind.Null ? null : tax.GetProperty("country").GetString());

    // VPS S for a month is 9.90 net.
    [Theory]
    [InlineData("BG", null, 20.0, 1.98, "domestic")]
    [InlineData("DE", null, 19.0, 1.88, "eu_consumer")]
    [InlineData("FI", null, 25.5, 2.52, "eu_consumer")]
    [InlineData("DE", "DE123456789", 0.0, 0.00, "reverse_charge")]
    [InlineData("BG", "BG204567890", 20.0, 1.98, "domestic")]
    [InlineData("US", null, 0.0, 0.00, "outside_eu")]
    public async Task Each_tax_case_is_charged_gross_and_invoiced_with_net_rate_tax_and_rule(
        string country, string? vatId, double rate, double tax, string rule)
    {
        var accountId = await factory.PayingCustomerAsync(50m, country: country, vatId: vatId);
        using var http = factory.Customer(accountId);
        var gross = 9.90m + (decimal)tax;

        var plans = await http.GetFromJsonAsync<JsonElement>("/api/plans");
        var (status, order) = await OrdersServiceFactory.OrderAsync(
            http, OrderForms.Body("vps-s", 1), Guid.NewGuid().ToString());
        var invoiceId = order.GetProperty("invoice").GetProperty("id").GetGuid();
        var invoice = await http.GetFromJsonAsync<JsonElement>($"/api/invoices/{invoiceId}");

        var vps = plans.EnumerateArray().Single(p => p.GetProperty("id").GetString() == "vps-s");
        Assert.Equal("customer", vps.GetProperty("taxFor").GetString());
        var month = vps.GetProperty("periods").EnumerateArray().Single(p => p.GetProperty("months").GetInt32() == 1);
        Assert.Equal(9.90m, month.GetProperty("price").GetDecimal());
        Assert.Equal((9.90m, (decimal)rate, (decimal)tax, gross, rule, rule == "domestic" ? "BG" : country),
            TaxOf(month.GetProperty("tax")));
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("active", order.GetProperty("status").GetString());
        Assert.Equal(gross, invoice.GetProperty("amount").GetDecimal());
        Assert.Equal((9.90m, (decimal)rate, (decimal)tax, gross, rule, rule == "domestic" ? "BG" : country),
            TaxOf(invoice.GetProperty("tax")));
        Assert.Equal(50m - gross, await OrdersServiceFactory.BalanceAsync(http));
        await factory.AssertLedgerExplainsBalanceAsync(accountId);
    }

    [Fact]
    public async Task Without_a_token_the_plans_show_the_seller_countrys_VAT_and_setup_fees_are_taxed_too()
    {
        using var anonymous = factory.Api(null);

        var plans = await anonymous.GetFromJsonAsync<JsonElement>("/api/plans");

        var dedicated = plans.EnumerateArray().Single(p => p.GetProperty("id").GetString() == "ds-e3");
        Assert.Equal("seller_country", dedicated.GetProperty("taxFor").GetString());
        Assert.Equal((49.00m, 20m, 9.80m, 58.80m, "domestic", "BG"), TaxOf(dedicated.GetProperty("setupFeeTax")));
        var year = dedicated.GetProperty("periods").EnumerateArray()
            .Single(p => p.GetProperty("months").GetInt32() == 12);
        // 89.00 × 12 less 10 % is 961.20 net; 20 % of it is 192.24.
        Assert.Equal((961.20m, 20m, 192.24m, 1153.44m, "domestic", "BG"), TaxOf(year.GetProperty("tax")));
    }

    [Fact]
    public async Task A_setup_fee_and_the_period_are_one_invoice_line_taxed_once()
    {
        var accountId = await factory.PayingCustomerAsync(500m, country: "DE");
        using var http = factory.Customer(accountId);

        var (status, order) = await OrdersServiceFactory.OrderAsync(
            http, OrderForms.Body("ds-e3", 1), Guid.NewGuid().ToString());

        Assert.Equal(HttpStatusCode.Created, status);
        // 89.00 + 49.00 = 138.00 net; 19 % is 26.22.
        Assert.Equal((138.00m, 19m, 26.22m, 164.22m, "eu_consumer", "DE"),
            TaxOf(order.GetProperty("invoice").GetProperty("tax")));
        Assert.Equal(500m - 164.22m, await OrdersServiceFactory.BalanceAsync(http));
    }

    [Fact]
    public async Task A_cancellation_refund_reverses_the_VAT_it_was_charged_with_even_after_the_customer_changed()
    {
        var accountId = await factory.PayingCustomerAsync(200m, country: "BG");
        using var http = factory.Customer(accountId);
        var (_, order) = await OrdersServiceFactory.OrderAsync(
            http, OrderForms.Body("vps-m", 3), Guid.NewGuid().ToString());
        var orderId = order.GetProperty("id").GetGuid();
        var charged = order.GetProperty("invoice").GetProperty("amount").GetDecimal();
        factory.Clock.Advance(TimeSpan.FromDays(10));

        // Support moves the customer outside the EU: new charges carry no VAT, but the refund of what was paid with
        // BG's 20 % gives that 20 % back.
        using (var staff = factory.Profile.Staff())
        {
            using var moved = await staff.PutAsJsonAsync($"/api/staff/profiles/{accountId}/country",
                new { country = "US", reason = "Moved, ticket 17" });
            Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        }

        var (_, quote) = await OrdersServiceFactory.PostAsync(http, $"/api/orders/{orderId}/cancellation/quote");
        var immediate = quote.GetProperty("immediate");
        var refund = immediate.GetProperty("refund").GetDecimal();
        var tax = TaxOf(immediate.GetProperty("tax"));
        var before = await OrdersServiceFactory.BalanceAsync(http);
        var (cancelled, _) = await OrdersServiceFactory.PostAsync(http, $"/api/orders/{orderId}/cancellation",
            new { mode = "immediate", quoteId = immediate.GetProperty("quoteId").GetGuid() });
        var after = await OrdersServiceFactory.BalanceAsync(http);
        var events = await factory.QueryAsync(db => db.Set<OutboxMessage>()
            .Where(m => m.MessageType.StartsWith("Introserv.Orders.Contracts.RefundIssued,"))
            .Select(m => m.Payload).ToListAsync());

        Assert.Equal(HttpStatusCode.OK, cancelled);
        Assert.Equal((20m, "domestic", "BG"), (tax.Rate, tax.Rule, tax.Country));
        Assert.True(tax.Net > 0 && tax.Net < 19.90m * 3 * 0.97m, $"net refund {tax.Net}");
        Assert.Equal(decimal.Round(tax.Net * 0.20m, 2, MidpointRounding.AwayFromZero), tax.Tax);
        Assert.Equal(tax.Net + tax.Tax, refund);
        Assert.True(refund < charged);
        Assert.Equal(before + refund, after);
        var issued = Assert.Single(events.Select(p => JsonSerializer.Deserialize<JsonElement>(p)),
            e => e.GetProperty("orderId").GetGuid() == orderId);
        Assert.Equal((refund, tax.Net, tax.Tax, 20m),
            (issued.GetProperty("amount").GetDecimal(), issued.GetProperty("netAmount").GetDecimal(),
                issued.GetProperty("taxAmount").GetDecimal(), issued.GetProperty("taxRate").GetDecimal()));
        await factory.AssertLedgerExplainsBalanceAsync(accountId);
    }

    [Fact]
    public async Task An_upgrade_is_charged_with_the_customers_VAT_and_a_downgrade_credits_with_the_orders()
    {
        var accountId = await factory.PayingCustomerAsync(200m, country: "DE");
        using var http = factory.Customer(accountId);
        var (_, order) = await OrdersServiceFactory.OrderAsync(
            http, OrderForms.Body("vps-s", 1), Guid.NewGuid().ToString());
        var orderId = order.GetProperty("id").GetGuid();

        var (_, up) = await OrdersServiceFactory.PostAsync(
            http, $"/api/orders/{orderId}/plan-change/quote", new { planId = "vps-l" });
        var upTax = TaxOf(up.GetProperty("tax"));
        var balanceBefore = await OrdersServiceFactory.BalanceAsync(http);
        var (upgraded, upgradedOrder) = await OrdersServiceFactory.PostAsync(
            http, $"/api/orders/{orderId}/plan-change", new { quoteId = up.GetProperty("quoteId").GetGuid() });
        var afterUpgrade = await OrdersServiceFactory.BalanceAsync(http);

        Assert.Equal(HttpStatusCode.OK, upgraded);
        Assert.Equal((19m, "eu_consumer", "DE"), (upTax.Rate, upTax.Rule, upTax.Country));
        Assert.Equal(upTax.Gross, up.GetProperty("amount").GetDecimal());
        Assert.Equal(decimal.Round(upTax.Net * 0.19m, 2, MidpointRounding.AwayFromZero), upTax.Tax);
        Assert.Equal(upTax, TaxOf(upgradedOrder.GetProperty("invoice").GetProperty("tax")));
        Assert.Equal(balanceBefore - upTax.Gross, afterUpgrade);

        var (_, down) = await OrdersServiceFactory.PostAsync(
            http, $"/api/orders/{orderId}/plan-change/quote", new { planId = "vps-s" });
        var downTax = TaxOf(down.GetProperty("tax"));
        var (downgraded, _) = await OrdersServiceFactory.PostAsync(
            http, $"/api/orders/{orderId}/plan-change", new { quoteId = down.GetProperty("quoteId").GetGuid() });

        Assert.Equal(HttpStatusCode.OK, downgraded);
        Assert.True(downTax.Net < 0, $"credit {downTax.Net}");
        Assert.Equal((19m, -decimal.Round(-downTax.Net * 0.19m, 2, MidpointRounding.AwayFromZero)),
            (downTax.Rate, downTax.Tax));
        Assert.Equal(afterUpgrade - downTax.Gross, await OrdersServiceFactory.BalanceAsync(http));
        await factory.AssertLedgerExplainsBalanceAsync(accountId);
    }

    [Fact]
    public async Task A_renewal_follows_the_customers_tax_now_and_the_PDF_shows_the_rule()
    {
        var accountId = await factory.PayingCustomerAsync(100m, country: "DE", vatId: "DE123456789");
        using var http = factory.Customer(accountId);
        var (_, order) = await OrdersServiceFactory.OrderAsync(
            http, OrderForms.Body("vps-s", 1), Guid.NewGuid().ToString());
        var orderId = order.GetProperty("id").GetGuid();

        using var renew = new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{orderId}/renew")
        {
            Content = JsonContent.Create(new { periodMonths = 1 }),
        };
        renew.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var renewed = await http.SendAsync(renew);
        var body = await renewed.Content.ReadFromJsonAsync<JsonElement>();
        var invoice = body.GetProperty("invoice");
        using var pdf = await http.GetAsync($"/api/invoices/{invoice.GetProperty("id").GetGuid()}/pdf");
        using var document = UglyToad.PdfPig.PdfDocument.Open(await pdf.Content.ReadAsByteArrayAsync());
        var text = string.Join(" ", document.GetPages().SelectMany(p => p.GetWords()).Select(w => w.Text));

        Assert.Equal(HttpStatusCode.OK, renewed.StatusCode);
        Assert.Equal((9.90m, 0m, 0m, 9.90m, "reverse_charge", "DE"), TaxOf(invoice.GetProperty("tax")));
        Assert.Equal(100m - 9.90m - 9.90m, await OrdersServiceFactory.BalanceAsync(http));
        Assert.Equal(HttpStatusCode.OK, pdf.StatusCode);
        Assert.Contains("VAT 0% 0.00 EUR", text, StringComparison.Ordinal);
        Assert.Contains("Reverse charge", text, StringComparison.Ordinal);
        Assert.Contains("DE123456789", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_VAT_id_of_a_company_is_checked_against_its_countrys_format()
    {
        var accountId = await factory.Profile.RegisterAsync();
        using var http = factory.Profile.Customer(accountId);
        object Body(string vatId) => new
        {
            firstName = "Jane", lastName = "Doe", city = "Berlin", address = "Hauptstr. 1", country = "DE",
            profileType = "company",
            company = new { name = "Acme GmbH", registrationNumber = "HRB 4711", vatId },
            version = 1,
        };

        using var wrong = await http.PutAsJsonAsync("/api/profile", Body("DE12345"));
        var problem = await wrong.Content.ReadFromJsonAsync<JsonElement>();
        using var otherCountry = await http.PutAsJsonAsync("/api/profile", Body("FR12345678901"));
        using var digits = await http.PutAsJsonAsync("/api/profile", Body("123 456 789"));
        var saved = await digits.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        Assert.Equal("validation_failed", Code(problem));
        Assert.True(problem.GetProperty("errors").TryGetProperty("company.vatId", out _));
        Assert.Equal(HttpStatusCode.BadRequest, otherCountry.StatusCode);
        Assert.Equal(HttpStatusCode.OK, digits.StatusCode);
        Assert.Equal("DE123456789", saved.GetProperty("company").GetProperty("vatId").GetString());
    }

    [Fact]
    public async Task A_new_VAT_number_asks_for_verification_again_so_reverse_charge_waits_for_staff()
    {
        var accountId = await factory.PayingCustomerAsync(0m, country: "DE", vatId: "DE123456789");
        using var profileHttp = factory.Profile.Customer(accountId);
        using var http = factory.Customer(accountId);
        var before = await http.GetFromJsonAsync<JsonElement>("/api/plans");
        var current = await factory.Profile.GetAsync(profileHttp);

        using var changed = await profileHttp.PutAsJsonAsync("/api/profile", new
        {
            firstName = "Jane", lastName = "Doe", city = "Springfield", address = "12 Main Street", country = "DE",
            profileType = "company",
            company = new { name = "Acme Ltd", registrationNumber = "HRB 4711", vatId = "DE987654321" },
            version = current.GetProperty("version").GetInt32(),
        });
        var saved = await changed.Content.ReadFromJsonAsync<JsonElement>();
        var after = await http.GetFromJsonAsync<JsonElement>("/api/plans");

        static string? RuleOf(JsonElement plans) =>
            plans[0].GetProperty("periods")[0].GetProperty("tax").GetProperty("rule").GetString();
        Assert.Equal("reverse_charge", RuleOf(before));
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal("pending", saved.GetProperty("company").GetProperty("verification").GetString());
        Assert.Equal("eu_consumer", RuleOf(after));
    }

    [Fact]
    public async Task While_Profile_is_down_signed_in_prices_and_quotes_answer_503_and_public_prices_still_show()
    {
        var accountId = await factory.PayingCustomerAsync(50m, country: "DE");
        using var http = factory.Customer(accountId);
        using var anonymous = factory.Api(null);
        var (_, order) = await OrdersServiceFactory.OrderAsync(
            http, OrderForms.Body("vps-s", 1), Guid.NewGuid().ToString());
        var orderId = order.GetProperty("id").GetGuid();

        factory.ProfileDown = true;
        try
        {
            // Twenty at once: each answers 503 with its code, none 500, and nothing is quoted.
            var prices = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => http.GetAsync("/api/plans")));
            var (quoted, quote) = await OrdersServiceFactory.PostAsync(
                http, $"/api/orders/{orderId}/plan-change/quote", new { planId = "vps-m" });
            using var publicPrices = await anonymous.GetAsync("/api/plans");

            Assert.All(prices, p => Assert.Equal(HttpStatusCode.ServiceUnavailable, p.StatusCode));
            foreach (var price in prices)
            {
                Assert.Equal("service_unavailable", Code(await price.Content.ReadFromJsonAsync<JsonElement>()));
                price.Dispose();
            }

            Assert.Equal((HttpStatusCode.ServiceUnavailable, "service_unavailable"), (quoted, Code(quote)));
            Assert.Equal(HttpStatusCode.OK, publicPrices.StatusCode);
            Assert.Equal(0, await factory.QueryAsync(db => db.Quotes.CountAsync(q => q.OrderId == orderId)));
        }
        finally
        {
            factory.ProfileDown = false;
        }
    }

    [Fact]
    public async Task A_renewal_invoice_issued_while_Profile_is_down_follows_the_orders_last_charge()
    {
        var accountId = await factory.PayingCustomerAsync(50m, country: "BG");
        using var http = factory.Customer(accountId);
        var (_, order) = await OrdersServiceFactory.OrderAsync(
            http, OrderForms.Body("vps-s", 1), Guid.NewGuid().ToString());
        var orderId = order.GetProperty("id").GetGuid();

        factory.ProfileDown = true;
        try
        {
            factory.Clock.Advance(order.GetProperty("paidUntil").GetDateTimeOffset() - factory.Clock.GetUtcNow()
                + TimeSpan.FromMinutes(1));
            // The lifecycle job (every second here) marks the order overdue with an unpaid renewal invoice.
            Assert.True(await Eventually.TrueAsync(async () => await factory.QueryAsync(db => db.Invoices.AnyAsync(
                i => i.OrderId == orderId && i.Kind == InvoiceKinds.Renewal))));
        }
        finally
        {
            factory.ProfileDown = false;
        }

        var renewal = await factory.QueryAsync(db => db.Invoices.AsNoTracking()
            .SingleAsync(i => i.OrderId == orderId && i.Kind == InvoiceKinds.Renewal));
        Assert.Equal((9.90m, 20m, 1.98m, 11.88m, "domestic", "BG", InvoiceStatuses.Unpaid),
            (renewal.NetAmount, renewal.TaxRate, renewal.TaxAmount, renewal.Amount, renewal.TaxRule,
                renewal.TaxCountry, renewal.Status));
        var overdue = await http.GetFromJsonAsync<JsonElement>($"/api/orders/{orderId}");
        Assert.Equal("overdue", overdue.GetProperty("status").GetString());
    }
}
