namespace Introserv.Orders.Features.Taxes;

// An amount's VAT as the API shows it: net, rate (percent), tax and gross (net + tax, what is charged or credited),
// the rule applied (domestic, eu_consumer, reverse_charge, outside_eu, country_rate, none) and the country whose
// rate it is.
public sealed record TaxBreakdown(
    decimal Net, decimal TaxRate, decimal Tax, decimal Gross, string Rule, string? Country)
{
    public static TaxBreakdown Of(Taxed taxed, TaxDecision tax)
    {
        ArgumentNullException.ThrowIfNull(tax);
        return new TaxBreakdown(
            taxed.Net, taxed.Rate, taxed.Tax, taxed.Gross, tax.Rule,
            string.IsNullOrEmpty(tax.Country) ? null : tax.Country);
    }

    public static TaxBreakdown Of(Invoice invoice)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        return new TaxBreakdown(
            invoice.NetAmount, invoice.TaxRate, invoice.TaxAmount, invoice.Amount, invoice.TaxRule,
            invoice.TaxCountry);
    }

    public static TaxBreakdown Of(Quote quote)
    {
        ArgumentNullException.ThrowIfNull(quote);
        return Of(quote.Taxed(), quote.Tax());
    }
}
