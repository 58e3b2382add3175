using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Introserv.Orders.Features.Taxes;

// Orders:Taxes: who is charged what VAT (TaxRules). Prices are net; the seller's country, the EU's member states and
// the rate of every country that has one (percent). The EU's standard rates are the defaults; configuration replaces
// any of them (Rates:DE = 19) or adds a country outside the EU that is taxed (Rates:CH = 8.1); a rate of 0 makes a
// country untaxed. Check the rates against the tax authorities before going live: they change.
public sealed class TaxOptions : IValidatableObject
{
    public const string Section = "Orders:Taxes";

    // The EU's member states (ISO 3166-1 alpha-2; Greece is GR here, EL in VAT numbers).
    public const string EuMemberStates =
        "AT,BE,BG,CY,CZ,DE,DK,EE,ES,FI,FR,GR,HR,HU,IE,IT,LT,LU,LV,MT,NL,PL,PT,RO,SE,SI,SK";

    // The seller's country: its customers, and customers whose country is not known yet, pay its rate.
    public string SellerCountry { get; set; } = "BG";

    // Comma-separated; null: the EU's member states as of 2026.
    public string? EuCountries { get; set; }

    // Reverse charge for staff-verified companies with a VAT number in another EU country (false: they pay their
    // country's rate like individuals).
    public bool ReverseCharge { get; set; } = true;

    // Standard VAT rates of the EU's member states in 2026; configuration adds to and replaces them by country.
    public Dictionary<string, decimal> Rates { get; set; } = new(StringComparer.Ordinal)
    {
        ["AT"] = 20m, ["BE"] = 21m, ["BG"] = 20m, ["CY"] = 19m, ["CZ"] = 21m, ["DE"] = 19m, ["DK"] = 25m,
        ["EE"] = 24m, ["ES"] = 21m, ["FI"] = 25.5m, ["FR"] = 20m, ["GR"] = 24m, ["HR"] = 25m, ["HU"] = 27m,
        ["IE"] = 23m, ["IT"] = 22m, ["LT"] = 21m, ["LU"] = 17m, ["LV"] = 21m, ["MT"] = 18m, ["NL"] = 21m,
        ["PL"] = 23m, ["PT"] = 23m, ["RO"] = 21m, ["SE"] = 25m, ["SI"] = 22m, ["SK"] = 23m,
    };

    public TaxSettings ToSettings() => new(
        SellerCountry,
        (EuCountries ?? EuMemberStates)
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .ToHashSet(StringComparer.Ordinal),
        Rates,
        ReverseCharge);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsCountry(SellerCountry))
        {
            yield return new ValidationResult(
                "SellerCountry: an ISO 3166-1 alpha-2 code in capitals, e.g. BG.", [nameof(SellerCountry)]);
        }

        foreach (var country in (EuCountries ?? EuMemberStates).Split(',', StringSplitOptions.TrimEntries))
        {
            if (!IsCountry(country))
            {
                yield return new ValidationResult(
                    $"EuCountries: '{country}' is not an ISO 3166-1 alpha-2 code in capitals.", [nameof(EuCountries)]);
            }
        }

        foreach (var (country, rate) in Rates)
        {
            if (!IsCountry(country) || rate is < 0m or > 100m || decimal.Round(rate, 2) != rate)
            {
                yield return new ValidationResult(
                    $"Rates:{country} = {rate.ToString(CultureInfo.InvariantCulture)}: a country code in capitals " +
                    "and a percentage from 0 to 100 with at most two decimals.", [nameof(Rates)]);
            }
        }
    }

    private static bool IsCountry(string? value) => value is { Length: 2 } && value.All(char.IsAsciiLetterUpper);
}
