using System.Text.RegularExpressions;

namespace Introserv.Profile.Features;

// VAT numbers as each EU member state writes them (the country prefix, EL for Greece, then its digits and letters);
// elsewhere 4 to 20 letters and digits. Only the format is checked here: that the number exists and belongs to the
// company is part of staff's company verification.
public static partial class VatNumbers
{
    private static readonly Dictionary<string, (string Prefix, Regex Pattern, string Example)> Formats =
        new(StringComparer.Ordinal)
        {
            ["AT"] = ("AT", Format("U[0-9]{8}"), "ATU12345678"),
            ["BE"] = ("BE", Format("[01][0-9]{9}"), "BE0123456789"),
            ["BG"] = ("BG", Format("[0-9]{9,10}"), "BG123456789"),
            ["CY"] = ("CY", Format("[0-9]{8}[A-Z]"), "CY12345678X"),
            ["CZ"] = ("CZ", Format("[0-9]{8,10}"), "CZ12345678"),
            ["DE"] = ("DE", Format("[0-9]{9}"), "DE123456789"),
            ["DK"] = ("DK", Format("[0-9]{8}"), "DK12345678"),
            ["EE"] = ("EE", Format("[0-9]{9}"), "EE123456789"),
            ["ES"] = ("ES", Format("[0-9A-Z][0-9]{7}[0-9A-Z]"), "ESX1234567X"),
            ["FI"] = ("FI", Format("[0-9]{8}"), "FI12345678"),
            ["FR"] = ("FR", Format("[0-9A-HJ-NP-Z]{2}[0-9]{9}"), "FR12345678901"),
            ["GR"] = ("EL", Format("[0-9]{9}"), "EL123456789"),
            ["HR"] = ("HR", Format("[0-9]{11}"), "HR12345678901"),
            ["HU"] = ("HU", Format("[0-9]{8}"), "HU12345678"),
            ["IE"] = ("IE", Format("[0-9][0-9A-Z+*][0-9]{5}[A-Z]{1,2}"), "IE1234567WA"),
            ["IT"] = ("IT", Format("[0-9]{11}"), "IT12345678901"),
            ["LT"] = ("LT", Format("([0-9]{9}|[0-9]{12})"), "LT123456789"),
            ["LU"] = ("LU", Format("[0-9]{8}"), "LU12345678"),
            ["LV"] = ("LV", Format("[0-9]{11}"), "LV12345678901"),
            ["MT"] = ("MT", Format("[0-9]{8}"), "MT12345678"),
            ["NL"] = ("NL", Format("[0-9]{9}B[0-9]{2}"), "NL123456789B01"),
            ["PL"] = ("PL", Format("[0-9]{10}"), "PL1234567890"),
            ["PT"] = ("PT", Format("[0-9]{9}"), "PT123456789"),
            ["RO"] = ("RO", Format("[0-9]{2,10}"), "RO1234567890"),
            ["SE"] = ("SE", Format("[0-9]{10}01"), "SE123456789001"),
            ["SI"] = ("SI", Format("[0-9]{8}"), "SI12345678"),
            ["SK"] = ("SK", Format("[0-9]{10}"), "SK1234567890"),
        };

    // The VAT number in its stored form for a company in country (the country's prefix added when only the digits
    // were given), or null with why when it is not a VAT number of that country. The number is already compact
    // (ProfileRules.VatId); a null country (not known yet) gets the general check only.
    public static (string? Number, string? Problem) Check(string? country, string compact)
    {
        ArgumentNullException.ThrowIfNull(compact);
        if (country is null || !Formats.TryGetValue(country, out var format))
        {
            return compact.Length is >= 4 and <= 20 && compact.All(char.IsAsciiLetterOrDigit)
                ? (compact, null)
                : (null, "4 to 20 letters and digits, e.g. BG123456789.");
        }

        var number = compact.StartsWith(format.Prefix, StringComparison.Ordinal) ? compact : format.Prefix + compact;
        return format.Pattern.IsMatch(number[format.Prefix.Length..])
            ? (number, null)
            : (null, $"Not a VAT number of {country}: {format.Prefix} and its digits, e.g. {format.Example}.");
    }

    private static Regex Format(string pattern) =>
        new($"^{pattern}$", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);
}
