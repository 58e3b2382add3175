namespace Introserv.Orders.Domain;

// The rule a charge was taxed under.
public static class TaxRuleNames
{
    // The customer is in the seller's country (or their country is not known yet): the seller's rate.
    public const string Domestic = "domestic";

    // An individual (or a company not verified with a VAT number) in another EU country: that country's rate.
    public const string EuConsumer = "eu_consumer";

    // A staff-verified company with a VAT number in another EU country: no VAT charged, the customer accounts for it.
    public const string ReverseCharge = "reverse_charge";

    // A customer outside the EU: no VAT.
    public const string OutsideEu = "outside_eu";

    // A country outside the EU with a rate of its own in the settings.
    public const string CountryRate = "country_rate";

    // Charged without tax: invoices and orders from before taxes were configured.
    public const string None = "none";
}

// The tax settings: the seller's country, the EU's member states, and rates (percent) per country.
public sealed record TaxSettings(
    string SellerCountry, IReadOnlySet<string> EuCountries, IReadOnlyDictionary<string, decimal> Rates,
    bool ReverseCharge = true)
{
    public decimal RateOf(string country) => Rates.TryGetValue(country, out var rate) ? rate : 0m;
}

// What decides a customer's tax: the profile's country (ISO 3166-1 alpha-2, null when not known yet) and whether it
// is a company staff verified, with a VAT number.
public sealed record TaxCustomer(string? Country, bool VerifiedCompanyWithVatNumber);

// The rule, the country whose rate applies and the rate (percent).
public sealed record TaxDecision(string Rule, string Country, decimal Rate);

// An amount with its tax: net + tax = gross, tax rounded once, to cents, half away from zero.
public readonly record struct Taxed(decimal Net, decimal Rate, decimal Tax)
{
    public decimal Gross => Net + Tax;
}

// Who is charged what VAT. Prices are net; each charge (an invoice line, a refund, a credit) is taxed once:
// tax = round(net × rate ÷ 100) to cents, half away from zero, and a refund or credit reverses tax at the rate the
// money was charged with.
public static class TaxRules
{
    public static TaxDecision Decide(TaxSettings settings, TaxCustomer customer)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(customer);
        var seller = settings.SellerCountry;
        var country = customer.Country;
        if (country is null || country == seller)
        {
            return new TaxDecision(TaxRuleNames.Domestic, seller, settings.RateOf(seller));
        }

        if (settings.EuCountries.Contains(country) && settings.EuCountries.Contains(seller))
        {
            return settings.ReverseCharge && customer.VerifiedCompanyWithVatNumber
                ? new TaxDecision(TaxRuleNames.ReverseCharge, country, 0m)
                : new TaxDecision(TaxRuleNames.EuConsumer, country, settings.RateOf(country));
        }

        return settings.Rates.TryGetValue(country, out var rate)
            ? new TaxDecision(TaxRuleNames.CountryRate, country, rate)
            : new TaxDecision(TaxRuleNames.OutsideEu, country, 0m);
    }

    // The tax of a net amount (negative for a credit) at rate percent: rounded once, half away from zero.
    public static Taxed Apply(decimal net, decimal rate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rate);
        return new Taxed(net, rate, Proration.Cents(net * rate / 100m));
    }

    // The rate an order's paid span was charged with after net more was charged at rate: the span's rate when they
    // agree, otherwise the rate that reverses the tax of both in proportion (what was charged at each rate).
    public static decimal Blend(decimal termValue, decimal termRate, decimal net, decimal rate)
    {
        if (termRate == rate || termValue <= 0m)
        {
            return rate;
        }

        if (net <= 0m)
        {
            return termRate;
        }

        return decimal.Round((termValue * termRate + net * rate) / (termValue + net), 4, MidpointRounding.AwayFromZero);
    }
}
