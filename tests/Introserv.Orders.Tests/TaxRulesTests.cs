using CsCheck;
using Introserv.Orders.Domain;
using Introserv.Orders.Features.Taxes;

namespace Introserv.Orders.Tests;

// The tax rules on their own: who pays which rate, and the money arithmetic (exact decimals, one rounding per line,
// half away from zero), property-tested over random amounts and rates.
public sealed class TaxRulesTests
{
    private static readonly TaxSettings Defaults = new TaxOptions().ToSettings();

    [Theory]
    [InlineData(null, false, "domestic", "BG", 20.0)]
    [InlineData("BG", false, "domestic", "BG", 20.0)]
    [InlineData("BG", true, "domestic", "BG", 20.0)]
    [InlineData("DE", false, "eu_consumer", "DE", 19.0)]
    [InlineData("GR", false, "eu_consumer", "GR", 24.0)]
    [InlineData("DE", true, "reverse_charge", "DE", 0.0)]
    [InlineData("US", false, "outside_eu", "US", 0.0)]
    [InlineData("US", true, "outside_eu", "US", 0.0)]
    [InlineData("GB", false, "outside_eu", "GB", 0.0)]
    public void The_default_settings_decide_each_case(
        string? country, bool verifiedCompany, string rule, string taxCountry, double rate) =>
        Assert.Equal(
            new TaxDecision(rule, taxCountry, (decimal)rate),
            TaxRules.Decide(Defaults, new TaxCustomer(country, verifiedCompany)));

    [Fact]
    public void Settings_override_rates_add_taxed_countries_and_can_turn_reverse_charge_off()
    {
        var options = new TaxOptions { SellerCountry = "DE", ReverseCharge = false };
        options.Rates["CH"] = 8.1m;
        options.Rates["FR"] = 5.5m;
        var settings = options.ToSettings();

        TaxDecision Decide(string country, bool company) =>
            TaxRules.Decide(settings, new TaxCustomer(country, company));
        Assert.Equal(new TaxDecision("domestic", "DE", 19m), Decide("DE", true));
        Assert.Equal(new TaxDecision("eu_consumer", "FR", 5.5m), Decide("FR", true));
        Assert.Equal(new TaxDecision("country_rate", "CH", 8.1m), Decide("CH", false));
        Assert.Equal(new TaxDecision("eu_consumer", "BG", 20m), Decide("BG", false));
    }

    [Fact]
    public void Bad_settings_are_refused_at_start()
    {
        var options = new TaxOptions { SellerCountry = "bg", EuCountries = "DE,XYZ" };
        options.Rates["DE"] = 119m;
        options.Rates["FR"] = 20.005m;

        var errors = options.Validate(new System.ComponentModel.DataAnnotations.ValidationContext(options)).ToList();

        Assert.Equal(4, errors.Count);
    }

    [Theory]
    [InlineData(9.90, 19.0, 1.88)]
    [InlineData(0.05, 10.0, 0.01)]
    [InlineData(0.04, 12.5, 0.01)]
    [InlineData(0.03, 12.5, 0.00)]
    [InlineData(-0.05, 10.0, -0.01)]
    [InlineData(10.00, 25.5, 2.55)]
    [InlineData(1.00, 0.0, 0.00)]
    public void Tax_is_rounded_once_to_cents_half_away_from_zero(double net, double rate, double tax) =>
        Assert.Equal((decimal)tax, TaxRules.Apply((decimal)net, (decimal)rate).Tax);

    private static readonly Gen<decimal> Cents = Gen.Long[-10_000_000, 10_000_000].Select(c => c / 100m);

    private static readonly Gen<decimal> Rates = Gen.Int[0, 10_000].Select(r => r / 100m);

    [Fact]
    public void Gross_is_net_plus_tax_in_whole_cents_and_a_credit_mirrors_a_charge() =>
        Gen.Select(Cents, Rates).Sample((net, rate) =>
        {
            var taxed = TaxRules.Apply(net, rate);
            var mirrored = TaxRules.Apply(-net, rate);
            return taxed.Gross == net + taxed.Tax
                && decimal.Round(taxed.Tax, 2) == taxed.Tax
                && Math.Abs(taxed.Tax - (net * rate / 100m)) <= 0.005m
                && mirrored.Tax == -taxed.Tax;
        });

    [Fact]
    public void A_refund_of_part_of_a_charge_never_reverses_more_tax_than_the_whole_was_charged() =>
        Gen.Select(Gen.Long[1, 10_000_000].Select(c => c / 100m), Rates, Gen.Int[0, 100]).Sample((net, rate, part) =>
        {
            var refundNet = Proration.Cents(net * part / 100m);
            return TaxRules.Apply(refundNet, rate).Tax <= TaxRules.Apply(net, rate).Tax;
        });

    [Fact]
    public void A_blended_rate_lies_between_the_rates_it_blends() =>
        Gen.Select(Cents.Where(c => c > 0), Rates, Cents.Where(c => c > 0), Rates).Sample((value, rate1, net, rate2) =>
        {
            var blended = TaxRules.Blend(value, rate1, net, rate2);
            return blended >= Math.Min(rate1, rate2) && blended <= Math.Max(rate1, rate2);
        });
}
