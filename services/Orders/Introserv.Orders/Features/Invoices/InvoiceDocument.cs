using System.Globalization;
using Introserv.Profile.Grpc;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace Introserv.Orders.Features.Invoices;

// Who issues the invoices (section Orders:Seller): printed at the head of every invoice PDF.
public sealed class SellerOptions
{
    public const string Section = "Orders:Seller";

    public string Name { get; set; } = "Introserv";

    // The postal address, one line each (null: none printed). Not given a value here: configuration would add to it.
    public string[]? Address { get; set; }

    public string? VatNumber { get; set; }

    public string? Email { get; set; }
}

// What an invoice PDF shows besides the invoice itself: the order it is for and who it is made out to.
internal sealed record InvoiceParty(string Name, IReadOnlyList<string> Address, string? VatId)
{
    public static InvoiceParty From(BillingProfileReply profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var postal = profile.PostalAddress ?? new BillingAddress();
        var cityLine = $"{postal.PostalCode} {postal.City}".Trim();
        string[] lines = [postal.Recipient, postal.Street, cityLine, postal.Country];
        return new InvoiceParty(
            profile.BillingName,
            [.. lines.Where(l => !string.IsNullOrWhiteSpace(l))],
            string.IsNullOrWhiteSpace(profile.VatId) ? null : profile.VatId);
    }
}

// An invoice as a one-page A4 PDF (PDFsharp): seller, customer with billing name, postal address and VAT id, the
// invoice's number, dates, order and status, its line (net) and totals: net, VAT at the invoice's rate, total, and
// what the rule applied means (reverse charge, no VAT outside the EU).
internal static class InvoiceDocument
{
    private const string Family = "DejaVu Sans";
    private const double Left = 56;
    private const double Right = 539;

    static InvoiceDocument()
    {
        // Set once for the process: PDFsharp finds no system fonts on Linux by itself.
        GlobalFontSettings.FontResolver ??= new EmbeddedFonts();
    }

    public static byte[] Render(Invoice invoice, Order order, InvoiceParty customer, SellerOptions seller)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(customer);
        ArgumentNullException.ThrowIfNull(seller);
        using var document = new PdfDocument();
        document.Info.Title = $"Invoice {invoice.Number}";
        document.Info.Author = seller.Name;
        var page = document.AddPage();
        page.Size = PdfSharp.PageSize.A4;
        using (var gfx = XGraphics.FromPdfPage(page))
        {
            Draw(gfx, invoice, order, customer, seller);
        }

        using var stream = new MemoryStream();
        document.Save(stream, closeStream: false);
        return stream.ToArray();
    }

    private static void Draw(XGraphics gfx, Invoice invoice, Order order, InvoiceParty customer, SellerOptions seller)
    {
        var title = new XFont(Family, 20, XFontStyleEx.Bold);
        var heading = new XFont(Family, 10, XFontStyleEx.Bold);
        var text = new XFont(Family, 10, XFontStyleEx.Regular);
        var small = new XFont(Family, 8, XFontStyleEx.Regular);

        gfx.DrawString($"Invoice {invoice.Number}", title, XBrushes.Black, Left, 70);
        gfx.DrawString(invoice.Status.ToUpperInvariant(), heading,
            invoice.Status == InvoiceStatuses.Paid ? XBrushes.DarkGreen : XBrushes.DarkRed, Right, 70,
            XStringFormats.BaseLineRight);

        var y = Block(gfx, heading, text, "From", Left, 110,
            [seller.Name, .. seller.Address ?? [], .. Optional("VAT number", seller.VatNumber), .. Optional(
                "Email", seller.Email)]);
        var billed = Block(gfx, heading, text, "Bill to", 310, 110,
            [customer.Name, .. customer.Address, .. Optional("VAT id", customer.VatId)]);
        y = Math.Max(y, billed) + 20;

        string[] facts =
        [
            $"Issued: {Date(invoice.IssuedAt)}",
            invoice.PaidAt is { } paid ? $"Paid: {Date(paid)}" : "Not paid yet",
            $"Order: {order.Number} ({OrderActions.PlanNameOf(order.PlanId)})",
        ];
        foreach (var fact in facts)
        {
            gfx.DrawString(fact, text, XBrushes.Black, Left, y);
            y += 14;
        }

        y += 16;
        gfx.DrawLine(XPens.Black, Left, y, Right, y);
        y += 14;
        gfx.DrawString("Description", heading, XBrushes.Black, Left, y);
        gfx.DrawString("Amount", heading, XBrushes.Black, Right, y, XStringFormats.BaseLineRight);
        y += 18;
        gfx.DrawString(invoice.Description, text, XBrushes.Black, Left, y);
        gfx.DrawString(Money(invoice.NetAmount, invoice.Currency), text, XBrushes.Black, Right, y,
            XStringFormats.BaseLineRight);
        y += 10;
        gfx.DrawLine(XPens.Black, Left, y, Right, y);
        y += 18;
        (string Label, decimal Amount, XFont Font)[] totals =
        [
            ("Net", invoice.NetAmount, text),
            (string.Create(CultureInfo.InvariantCulture, $"VAT {invoice.TaxRate:0.##}%"), invoice.TaxAmount, text),
            ("Total", invoice.Amount, heading),
        ];
        foreach (var (label, amount, font) in totals)
        {
            gfx.DrawString(label, font, XBrushes.Black, 380, y);
            gfx.DrawString(
                Money(amount, invoice.Currency), font, XBrushes.Black, Right, y, XStringFormats.BaseLineRight);
            y += 16;
        }

        gfx.DrawString(TaxNote(invoice), small, XBrushes.Gray, Left, y + 20);
        gfx.DrawString($"Invoice id {invoice.Id:D}", small, XBrushes.Gray, Left, 800);
    }

    // A heading and its lines; returns where the next text may start.
    private static double Block(
        XGraphics gfx, XFont heading, XFont text, string title, double x, double y, IEnumerable<string> lines)
    {
        gfx.DrawString(title, heading, XBrushes.Black, x, y);
        y += 16;
        foreach (var line in lines)
        {
            gfx.DrawString(line, text, XBrushes.Black, x, y);
            y += 14;
        }

        return y;
    }

    // What the VAT rule applied means, as the invoice states it.
    internal static string TaxNote(Invoice invoice) => invoice.TaxRule switch
    {
        TaxRuleNames.ReverseCharge =>
            $"Reverse charge: VAT to be accounted for by the recipient ({invoice.TaxCountry}), " +
            "Art. 196 Directive 2006/112/EC.",
        TaxRuleNames.OutsideEu => $"No VAT: the customer is outside the EU ({invoice.TaxCountry}).",
        TaxRuleNames.None => "No VAT was charged on this invoice.",
        _ => string.Create(
            CultureInfo.InvariantCulture,
            $"VAT {invoice.TaxRate:0.##}% of {invoice.TaxCountry} ({invoice.TaxRule}) on the net amount."),
    };

    private static string[] Optional(string label, string? value) =>
        string.IsNullOrWhiteSpace(value) ? [] : [$"{label}: {value}"];

    private static string Date(DateTimeOffset at) =>
        at.UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    private static string Money(decimal amount, string currency) =>
        string.Create(CultureInfo.InvariantCulture, $"{amount:0.00} {currency}");

    // DejaVu Sans from the assembly's resources, regular and bold, whatever family is asked for.
    private sealed class EmbeddedFonts : IFontResolver
    {
        public FontResolverInfo ResolveTypeface(string familyName, bool bold, bool italic) =>
            new(bold ? "DejaVuSans-Bold" : "DejaVuSans");

        public byte[] GetFont(string faceName)
        {
            using var resource = typeof(InvoiceDocument).Assembly
                .GetManifestResourceStream($"Introserv.Orders.Fonts.{faceName}.ttf")
                ?? throw new InvalidOperationException($"The font {faceName} is not embedded.");
            using var copy = new MemoryStream();
            resource.CopyTo(copy);
            return copy.ToArray();
        }
    }
}
