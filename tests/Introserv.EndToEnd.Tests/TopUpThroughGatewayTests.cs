using System.Globalization;
using System.Text.RegularExpressions;
using Aspire.Hosting.Testing;
using Introserv.Orders.Contracts.Payments;

namespace Introserv.EndToEnd.Tests;

// A customer pays money into the balance through payments-dev, the stand-in provider of local runs: the top-up
// through the gateway, the provider's checkout page, its signed callback back through the gateway, and an order paid
// from what arrived. Callbacks without the provider's signature are refused at the same address.
[Collection(StackDefinition.Name)]
public sealed partial class TopUpThroughGatewayTests(StackFixture stack)
{
    private const string Password = "amber tram 41 meadows";

    [Fact]
    public async Task A_customer_tops_up_through_the_provider_and_pays_an_order_from_it()
    {
        var login = $"pay.{Guid.NewGuid():N}"[..20];
        await stack.RegisterAsync(login, Password, "Maria", "Ivanova");
        using var api = stack.Api((await stack.NewBrowser().SignInAsync(login, Password)).AccessToken);
        var (profile, _) = await StackFixture.WaitForProfileAsync(api);
        using (var saved = await api.PutAsJsonAsync("/api/profile", new
        {
            firstName = "Maria", lastName = "Ivanova", city = "Plovdiv", address = "ul. Kapitan Raycho 12",
            country = "BG", profileType = "individual",
            postalAddress = new
            {
                recipient = "Maria Ivanova", street = "ul. Kapitan Raycho 12", city = "Plovdiv", postalCode = "4000",
                country = "BG"
            },
            version = profile.GetProperty("version").GetInt32(),
        }))
        {
            await Expect.StatusAsync(HttpStatusCode.OK, saved);
        }

        var methods = await api.GetFromJsonAsync<JsonElement>("/api/payment-methods");
        var ids = methods.GetProperty("methods").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Contains("card", ids);
        Assert.Contains("sepa", ids);

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/balance/top-ups")
        {
            Content = JsonContent.Create(new { amount = 40m, currency = "EUR", method = "card" })
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var created = await api.SendAsync(request);
        await Expect.StatusAsync(HttpStatusCode.Created, created);
        var topUp = await created.Content.ReadFromJsonAsync<JsonElement>();
        var redirect = new Uri(topUp.GetProperty("redirectUrl").GetString()!);

        // The customer's browser at the provider: the checkout page, then "Approve", which sends the customer back
        // to the panel after the provider's callback reached Orders through the gateway.
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var browser = new HttpClient(handler);
        var checkout = await browser.GetStringAsync(redirect);
        Assert.Contains("40.00 EUR", checkout, StringComparison.Ordinal);
        using var decision = new FormUrlEncodedContent([new KeyValuePair<string, string>("decision", "approve")]);
        using (var approved = await browser.PostAsync(redirect, decision))
        {
            await Expect.StatusAsync(HttpStatusCode.Redirect, approved);
            Assert.EndsWith("/balance", approved.Headers.Location!.ToString(), StringComparison.Ordinal);
        }

        var id = topUp.GetProperty("id").GetGuid();
        var done = await api.GetFromJsonAsync<JsonElement>($"/api/balance/top-ups/{id}");
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        var balance = await api.GetFromJsonAsync<JsonElement>("/api/balance");
        Assert.Equal(40m, balance.GetProperty("balance").GetDecimal());
        using var payments = stack.App.CreateHttpClient(ResourceNames.PaymentsDev, ResourceNames.HttpEndpoint);
        var payment = await payments.GetFromJsonAsync<JsonElement>($"/api/payments/{redirect.Segments[^1]}");
        Assert.Equal(200, payment.GetProperty("callbacks")[0].GetProperty("responseStatus").GetInt32());
        Assert.StartsWith(
            stack.GatewayAddress.ToString().TrimEnd('/'), payment.GetProperty("callbackUrl").GetString()!,
            StringComparison.Ordinal);

        // A forged callback at the same public address: refused, nothing credited.
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            paymentId = redirect.Segments[^1], reference = id, status = "succeeded", amount = 40m, currency = "EUR",
        });
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var anonymous = stack.CreateGatewayClient();
        using var forged = new HttpRequestMessage(HttpMethod.Post, "/api/payments/callbacks/dev")
        {
            Content = new ByteArrayContent(body)
        };
        forged.Content.Headers.ContentType = new("application/json");
        forged.Headers.Add(PaymentCallbackSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        forged.Headers.Add(PaymentCallbackSignature.SignatureHeader,
            PaymentCallbackSignature.Sign("not-the-provider-secret-0123456789", timestamp, body));
        using (var refused = await anonymous.SendAsync(forged))
        {
            await Expect.StatusAsync(HttpStatusCode.Unauthorized, refused);
        }

        // The money pays an order.
        using var order = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
        {
            Content = JsonContent.Create(OrderForms.Body("vps-s", 1))
        };
        order.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var placed = await api.SendAsync(order);
        await Expect.StatusAsync(HttpStatusCode.Created, placed);
        var placedOrder = await placed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("active", placedOrder.GetProperty("status").GetString());
        var after = await api.GetFromJsonAsync<JsonElement>("/api/balance");
        Assert.True(after.GetProperty("balance").GetDecimal() < 40m);
    }

    // Each tax case end to end: a customer tops up at payments-dev, orders VPS S (9.90 net) with its fields, pays
    // the gross amount from the balance and downloads the invoice PDF, all through the gateway.
    [Theory]
    [InlineData("BG", false, "domestic", 1.98)]
    [InlineData("DE", false, "eu_consumer", 1.88)]
    [InlineData("DE", true, "reverse_charge", 0.00)]
    [InlineData("US", false, "outside_eu", 0.00)]
    public async Task Each_tax_case_tops_up_orders_pays_gross_and_downloads_the_invoice(
        string country, bool company, string rule, double tax)
    {
        var login = $"tax.{Guid.NewGuid():N}"[..20];
        await stack.RegisterAsync(login, Password, "Erika", "Muster");
        using var api = stack.Api((await stack.NewBrowser().SignInAsync(login, Password)).AccessToken);
        var (profile, _) = await StackFixture.WaitForProfileAsync(api);
        var accountId = profile.GetProperty("accountId").GetGuid();
        var details = company
            ? new { name = "Muster GmbH", registrationNumber = "HRB 4711", vatId = "123456789" }
            : null;
        using (var saved = await api.PutAsJsonAsync("/api/profile", new
        {
            firstName = "Erika", lastName = "Muster", city = "Springfield", address = "1 Main Street", country,
            profileType = company ? "company" : "individual",
            company = details,
            postalAddress = new
            {
                recipient = "Erika Muster", street = "1 Main Street", city = "Springfield", postalCode = "4000",
                country,
            },
            version = profile.GetProperty("version").GetInt32(),
        }))
        {
            await Expect.StatusAsync(HttpStatusCode.OK, saved);
        }

        if (company)
        {
            using var staff = stack.Api(
                (await stack.NewBrowser().SignInAsync("support", "local-support-only-2026")).AccessToken);
            using var approved = await staff.PostAsJsonAsync(
                $"/api/staff/profiles/{accountId}/company-verification",
                new { decision = "approved", reason = "Registry and VAT number checked" });
            await Expect.StatusAsync(HttpStatusCode.OK, approved);
        }

        // Top up 40.00 by card: the provider's checkout, approved.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/balance/top-ups")
        {
            Content = JsonContent.Create(new { amount = 40m, currency = "EUR", method = "card" })
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var created = await api.SendAsync(request);
        await Expect.StatusAsync(HttpStatusCode.Created, created);
        var redirect = new Uri((await created.Content.ReadFromJsonAsync<JsonElement>())
            .GetProperty("redirectUrl").GetString()!);
        using var handler = new HttpClientHandler { AllowAutoRedirect = false };
        using var browser = new HttpClient(handler);
        using var decision = new FormUrlEncodedContent([new KeyValuePair<string, string>("decision", "approve")]);
        using (var approved = await browser.PostAsync(redirect, decision))
        {
            await Expect.StatusAsync(HttpStatusCode.Redirect, approved);
        }

        // The plan as this customer sees it, then the order with its fields, paid gross.
        var plans = await api.GetFromJsonAsync<JsonElement>("/api/plans");
        var month = plans.EnumerateArray().Single(p => p.GetProperty("id").GetString() == "vps-s")
            .GetProperty("periods")[0].GetProperty("tax");
        var gross = 9.90m + (decimal)tax;
        Assert.Equal((rule, gross), (month.GetProperty("rule").GetString(), month.GetProperty("gross").GetDecimal()));
        using var order = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
        {
            Content = JsonContent.Create(OrderForms.Body("vps-s", 1))
        };
        order.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var placed = await api.SendAsync(order);
        await Expect.StatusAsync(HttpStatusCode.Created, placed);
        var placedOrder = await placed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("active", placedOrder.GetProperty("status").GetString());
        var invoice = placedOrder.GetProperty("invoice");
        var invoiceTax = invoice.GetProperty("tax");
        Assert.Equal((9.90m, (decimal)tax, gross, rule),
            (invoiceTax.GetProperty("net").GetDecimal(), invoiceTax.GetProperty("tax").GetDecimal(),
                invoice.GetProperty("amount").GetDecimal(), invoiceTax.GetProperty("rule").GetString()));
        Assert.Equal(40m - gross,
            (await api.GetFromJsonAsync<JsonElement>("/api/balance")).GetProperty("balance").GetDecimal());

        using var pdf = await api.GetAsync(new Uri(
            $"/api/invoices/{invoice.GetProperty("id").GetGuid()}/pdf", UriKind.Relative));
        await Expect.StatusAsync(HttpStatusCode.OK, pdf);
        Assert.Equal("application/pdf", pdf.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("%PDF-", System.Text.Encoding.ASCII.GetString(await pdf.Content.ReadAsByteArrayAsync()),
            StringComparison.Ordinal);

        // The invoice mail links to the same PDF, which opens through the gateway without a token.
        using var mail = stack.App.CreateHttpClient(ResourceNames.MailDev, ResourceNames.HttpEndpoint);
        var invoiceMail = await StackFixture.WaitForMailAsync(
            mail, $"{login}@example.com", $"Invoice {invoice.GetProperty("number").GetString()}");
        var link = InvoiceLinkPattern().Match(invoiceMail.GetProperty("text").GetString()!).Value;
        Assert.Contains($"/api/invoice-links/{accountId:D}/", link, StringComparison.Ordinal);
        using var reader = new HttpClient();
        using var linked = await reader.GetAsync(new Uri(link));
        await Expect.StatusAsync(HttpStatusCode.OK, linked);
        Assert.Equal("application/pdf", linked.Content.Headers.ContentType?.MediaType);
        var linkedPdf = await linked.Content.ReadAsByteArrayAsync();
        Assert.StartsWith("%PDF-", System.Text.Encoding.ASCII.GetString(linkedPdf), StringComparison.Ordinal);
    }

    [GeneratedRegex(@"https?://\S+/api/invoice-links/\S+")]
    private static partial Regex InvoiceLinkPattern();
}
