using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Orders.Domain;
using Introserv.Orders.Features.Invoices;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using UglyToad.PdfPig;

namespace Introserv.Orders.Tests;

// The invoice mail's signed link to the invoice's PDF: it serves the PDF without a token exactly as signed, to the
// invoice's account only, until it ends; every altered link is a 404, never a 500.
public sealed class InvoiceLinkTests(OrdersServiceFactory factory) : IClassFixture<OrdersServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    // The link the InvoiceIssued event (the invoice mail) carries for an invoice.
    private async Task<string> MailedLinkAsync(Guid invoiceId)
    {
        var payloads = await factory.QueryAsync(db => db.Set<OutboxMessage>()
            .Where(m => m.MessageType.StartsWith("Introserv.Orders.Contracts.InvoiceIssued,"))
            .Select(m => m.Payload).ToListAsync());
        var issued = payloads.Select(p => JsonSerializer.Deserialize<JsonElement>(p))
            .Single(p => p.GetProperty("invoiceId").GetGuid() == invoiceId);
        return issued.GetProperty("pdfUrl").GetString()!;
    }

    private static string PathOf(string link) =>
        link.StartsWith(OrdersServiceFactory.InvoiceLinkBase, StringComparison.Ordinal)
            ? "/" + link[OrdersServiceFactory.InvoiceLinkBase.Length..]
            : throw new InvalidOperationException($"{link} is not under the public address.");

    private static string Signed(string key, Guid accountId, Guid invoiceId, long expires) =>
        WebEncoders.Base64UrlEncode(HMACSHA256.HashData(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(
            string.Create(CultureInfo.InvariantCulture, $"invoice-pdf:{accountId:N}:{invoiceId:N}:{expires}"))));

    private static string LinkPath(Guid accountId, Guid invoiceId, string query) =>
        $"/api/invoice-links/{accountId:D}/{invoiceId:D}/pdf{query}";

    private async Task<(Guid AccountId, Guid InvoiceId, string Number)> PaidOrderAsync(string key)
    {
        var accountId = await factory.PayingCustomerAsync(100m);
        using var http = factory.Customer(accountId);
        var (_, order) = await OrdersServiceFactory.OrderAsync(http, OrderForms.Body("vps-s", 1), key);
        var invoice = order.GetProperty("invoice");
        return (accountId, invoice.GetProperty("id").GetGuid(), invoice.GetProperty("number").GetString()!);
    }

    private static async Task<(HttpStatusCode Status, string? Code)> FetchAsync(HttpClient anonymous, string path)
    {
        using var response = await anonymous.GetAsync(new Uri(path, UriKind.Relative));
        var code = response.Content.Headers.ContentType?.MediaType == "application/problem+json"
            ? (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()
            : null;
        return (response.StatusCode, code);
    }

    [Fact]
    public async Task The_mailed_link_serves_the_invoices_pdf_without_a_token_until_it_ends()
    {
        var (accountId, invoiceId, number) = await PaidOrderAsync("link");
        var link = await MailedLinkAsync(invoiceId);
        using var anonymous = factory.CreateClient();

        Assert.StartsWith(
            $"{OrdersServiceFactory.InvoiceLinkBase}api/invoice-links/{accountId:D}/{invoiceId:D}/pdf?expires=",
            link, StringComparison.Ordinal);
        var expires = long.Parse(
            QueryHelpers.ParseQuery(new Uri(link).Query)["expires"]!, CultureInfo.InvariantCulture);
        Assert.InRange(
            expires - (factory.Clock.GetUtcNow() + TimeSpan.FromDays(30)).ToUnixTimeSeconds(), -60L, 0L);
        using var response = await anonymous.GetAsync(new Uri(PathOf(link), UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("no-store", response.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        using (var pdf = PdfDocument.Open(await response.Content.ReadAsByteArrayAsync()))
        {
            Assert.Contains($"Invoice {number}", string.Join(" ", pdf.GetPage(1).GetWords().Select(w => w.Text)),
                StringComparison.Ordinal);
        }

        // Twenty at once are twenty PDFs.
        var parallel = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => FetchAsync(anonymous, PathOf(link))));
        Assert.All(parallel, p => Assert.Equal(HttpStatusCode.OK, p.Status));

        // After its 30 days: 410, and the signed-in download still serves the invoice.
        factory.Clock.Advance(TimeSpan.FromDays(30) + TimeSpan.FromMinutes(1));
        Assert.Equal((HttpStatusCode.Gone, "invoice_link_expired"), await FetchAsync(anonymous, PathOf(link)));
        using var http = factory.Customer(accountId);
        using var signedIn = await http.GetAsync(new Uri($"/api/invoices/{invoiceId}/pdf", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);

        // The renewal invoice the lifecycle job issues once the month has passed (at most 31 days) is mailed with a
        // link of its own.
        factory.Clock.Advance(TimeSpan.FromDays(2));
        var renewal = await Eventually.ValueAsync(
            () => factory.QueryAsync(db => db.Invoices
                .Where(i => i.AccountId == accountId && i.Kind == InvoiceKinds.Renewal)
                .Select(i => (Guid?)i.Id).FirstOrDefaultAsync()),
            id => id is not null, TimeSpan.FromSeconds(30));
        Assert.Equal(HttpStatusCode.OK,
            (await FetchAsync(anonymous, PathOf(await MailedLinkAsync(renewal!.Value)))).Status);
    }

    [Fact]
    public async Task An_altered_or_foreign_link_is_not_found_and_never_an_error()
    {
        var (accountId, invoiceId, _) = await PaidOrderAsync("altered");
        var (otherAccount, otherInvoice, _) = await PaidOrderAsync("altered-other");
        var link = await MailedLinkAsync(invoiceId);
        var query = new Uri(link).Query;
        var parsed = QueryHelpers.ParseQuery(query);
        var expires = long.Parse(parsed["expires"]!, CultureInfo.InvariantCulture);
        string signature = parsed["signature"]!;
        using var anonymous = factory.CreateClient();
        var flipped = (signature[0] == 'A' ? "B" : "A") + signature[1..];

        string[] altered =
        [
            LinkPath(accountId, otherInvoice, query),
            LinkPath(otherAccount, invoiceId, query),
            LinkPath(accountId, invoiceId, $"?expires={expires + 1}&signature={signature}"),
            LinkPath(accountId, invoiceId, $"?expires={expires}&signature={flipped}"),
            LinkPath(accountId, invoiceId, $"?expires={expires}"),
            LinkPath(accountId, invoiceId, $"?signature={signature}"),
            LinkPath(accountId, invoiceId, ""),
            LinkPath(accountId, invoiceId, $"?expires=&signature="),
            LinkPath(accountId, invoiceId, $"?expires=abc&signature={signature}"),
            LinkPath(accountId, invoiceId, $"?expires=-1&signature={signature}"),
            LinkPath(accountId, invoiceId, $"?expires=1e9&signature={signature}"),
            LinkPath(accountId, invoiceId, $"?expires=99999999999999999999999&signature={signature}"),
            LinkPath(accountId, invoiceId, $"?expires={expires}&expires={expires}&signature={signature}"),
            LinkPath(accountId, invoiceId, $"?expires={expires}&signature={signature}&signature={signature}"),
            LinkPath(accountId, invoiceId, $"?expires={expires}&signature=%25%25%25!!"),
            LinkPath(accountId, invoiceId, $"?expires={expires}&signature={new string('A', 10_000)}"),
            LinkPath(accountId, invoiceId, $"?expires={expires}&signature={signature}AAAA"),
            // Signed with a key this service does not have.
            LinkPath(accountId, invoiceId,
                $"?expires={expires}&signature={Signed("someone-elses-key-0123456789abcdef", accountId, invoiceId,
                    expires)}"),
            // A signature this service made, for an invoice the named account does not own.
            LinkPath(accountId, otherInvoice, $"?expires={expires}&signature={Signed(
                OrdersServiceFactory.InvoiceLinkKey, accountId, otherInvoice, expires)}"),
            LinkPath(accountId, Guid.NewGuid(), $"?expires={expires}&signature={Signed(
                OrdersServiceFactory.InvoiceLinkKey, accountId, Guid.NewGuid(), expires)}"),
        ];
        foreach (var path in altered)
        {
            var (status, code) = await FetchAsync(anonymous, path);
            Assert.True((status, code) == (HttpStatusCode.NotFound, "invoice_link_invalid"),
                $"{path[..Math.Min(path.Length, 200)]}: {(int)status} {code}");
        }

        // An ended link that was altered is not reported as ended (that would confirm a guess).
        Assert.Equal((HttpStatusCode.NotFound, "invoice_link_invalid"), await FetchAsync(
            anonymous, LinkPath(accountId, invoiceId, $"?expires=1000&signature={signature}")));
        // Not a GUID in the path: not this endpoint at all.
        using var notGuid = await anonymous.GetAsync(
            new Uri($"/api/invoice-links/me/{invoiceId:D}/pdf{query}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, notGuid.StatusCode);
    }

    [Fact]
    public async Task A_link_signed_with_the_retired_key_still_serves_and_profile_down_is_a_503()
    {
        var (accountId, invoiceId, _) = await PaidOrderAsync("rotated");
        var expires = (factory.Clock.GetUtcNow() + TimeSpan.FromDays(3)).ToUnixTimeSeconds();
        var path = LinkPath(accountId, invoiceId, $"?expires={expires}&signature={Signed(
            OrdersServiceFactory.RetiredInvoiceLinkKey, accountId, invoiceId, expires)}");
        using var anonymous = factory.CreateClient();

        Assert.Equal(HttpStatusCode.OK, (await FetchAsync(anonymous, path)).Status);
        factory.ProfileDown = true;
        try
        {
            Assert.Equal((HttpStatusCode.ServiceUnavailable, "service_unavailable"), await FetchAsync(anonymous, path));
        }
        finally
        {
            factory.ProfileDown = false;
        }
    }

    [Fact]
    public void Without_a_public_address_there_are_no_links_and_an_address_needs_a_long_enough_key()
    {
        var none = new InvoiceLinks(Options.Create(new InvoiceLinkOptions()));
        Assert.Null(none.For(Guid.NewGuid(), Guid.NewGuid(), DateTimeOffset.UtcNow));
        Assert.Equal(InvoiceLinkCheck.Invalid, none.Check(Guid.NewGuid(), Guid.NewGuid(), "1", "AAAA", default));

        static List<ValidationResult> Problems(InvoiceLinkOptions options) =>
            [.. options.Validate(new ValidationContext(options))];
        Assert.Empty(Problems(new InvoiceLinkOptions()));
        Assert.Contains(Problems(new InvoiceLinkOptions { PublicBaseUrl = new Uri("https://billing.test/") }),
            p => p.MemberNames.Contains(nameof(InvoiceLinkOptions.SigningKeys)));
        Assert.Contains(
            Problems(new InvoiceLinkOptions
            {
                PublicBaseUrl = new Uri("https://billing.test/"), SigningKeys = ["short"],
            }),
            p => p.MemberNames.Contains(nameof(InvoiceLinkOptions.SigningKeys)));
        Assert.Contains(Problems(new InvoiceLinkOptions { Lifetime = TimeSpan.FromMinutes(5) }),
            p => p.MemberNames.Contains(nameof(InvoiceLinkOptions.Lifetime)));
    }
}
