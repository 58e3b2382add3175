using UglyToad.PdfPig;

namespace Introserv.Orders.Tests;

// GET /api/invoices/{id}/pdf, read back as text: the seller, who the invoice is made out to (from Profile over gRPC),
// its number, order, line, totals and status; another account's invoice is not found.
public sealed class InvoicePdfTests(OrdersServiceFactory factory) : IClassFixture<OrdersServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task An_invoice_pdf_shows_seller_customer_number_order_line_totals_and_status_to_its_owner_only()
    {
        var accountId = await factory.PayingCustomerAsync(200m);
        using var http = factory.Customer(accountId);
        using var stranger = factory.Customer(await factory.PayingCustomerAsync(0m));
        var (_, order) = await OrdersServiceFactory.OrderAsync(http, OrderForms.Body("ds-e3", 1), "pdf");
        var invoice = order.GetProperty("invoice");
        var (id, number) = (invoice.GetProperty("id").GetGuid(), invoice.GetProperty("number").GetString());

        using var response = await http.GetAsync(new Uri($"/api/invoices/{id}/pdf", UriKind.Relative));
        using var theirs = await stranger.GetAsync(new Uri($"/api/invoices/{id}/pdf", UriKind.Relative));
        var bytes = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"invoice-{number}.pdf", response.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        Assert.Equal("%PDF-"u8.ToArray(), bytes[..5]);
        using var pdf = PdfDocument.Open(bytes);
        var page = Assert.Single(pdf.GetPages());
        // The page's lines as a reader sees them: words on one baseline, left to right (the two address blocks
        // share their baselines, so "From" and "Bill to" lines hold both columns).
        var lines = page.GetWords()
            .GroupBy(w => Math.Round(w.BoundingBox.Bottom))
            .OrderByDescending(g => g.Key)
            .Select(g => string.Join(" ", g.OrderBy(w => w.BoundingBox.Left).Select(w => w.Text)))
            .ToList();
        void Shows(string expected) => Assert.True(
            lines.Any(l => l.Contains(expected, StringComparison.Ordinal)),
            $"\"{expected}\" is not on the page: {string.Join(" | ", lines)}");
        Shows($"Invoice {number}");
        Assert.Contains("PAID", page.GetWords().Select(w => w.Text));
        Shows("From");
        Shows("Bill to");
        Shows("Introserv");
        Shows("Jane Doe");
        Shows("12 Main Street");
        Shows("1504 Springfield");
        Shows($"Order: {order.GetProperty("number").GetInt64()} (Dedicated E-2388G)");
        Shows("Dedicated E-2388G, 1 month(s), with setup 138.00 EUR");
        Shows("Net 138.00 EUR");
        Shows("VAT 0% 0.00 EUR");
        Shows("Total 138.00 EUR");
        Shows("No VAT: the customer is outside the EU (US).");
        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        Assert.Equal("invoice_not_found",
            (await theirs.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task While_profile_is_unreachable_the_pdf_is_a_503_and_afterwards_it_is_served()
    {
        var accountId = await factory.PayingCustomerAsync(100m);
        using var http = factory.Customer(accountId);
        var (_, order) = await OrdersServiceFactory.OrderAsync(http, OrderForms.Body("vps-s", 1), "pdf-outage");
        var path = new Uri($"/api/invoices/{order.GetProperty("invoice").GetProperty("id").GetGuid()}/pdf",
            UriKind.Relative);

        factory.ProfileDown = true;
        HttpStatusCode during;
        string? code;
        try
        {
            using var refused = await http.GetAsync(path);
            during = refused.StatusCode;
            code = (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString();
        }
        finally
        {
            factory.ProfileDown = false;
        }

        using var served = await http.GetAsync(path);

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "service_unavailable"), (during, code));
        Assert.Equal(HttpStatusCode.OK, served.StatusCode);
    }
}
