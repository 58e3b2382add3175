using PhoneNumbers;

namespace Introserv.Verification.Challenges;

/// <summary>A phone number read and checked by libphonenumber.</summary>
public sealed record ParsedPhone(string E164, bool IsLandline)
{
    /// <summary>Shown to the customer and written to logs: country code and the last two digits only.</summary>
    public string Masked => PhoneNumberRules.Mask(E164);
}

public static class PhoneNumberRules
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    /// <summary>Null unless <paramref name="input"/> is a valid, dialable number (E.164, or national with a region).</summary>
    public static ParsedPhone? Parse(string? input, string? regionHint = null)
    {
        if (string.IsNullOrWhiteSpace(input) || input.Length > 32)
        {
            return null;
        }

        PhoneNumber number;
        try
        {
            number = Util.Parse(input.Trim(), string.IsNullOrWhiteSpace(regionHint) ? null : regionHint.Trim().ToUpperInvariant());
        }
        catch (NumberParseException)
        {
            return null;
        }

        if (!Util.IsValidNumber(number))
        {
            return null;
        }

        // Only a number that is certainly a landline gets the spoken code; "fixed line or mobile" (e.g. the
        // North American plan) can take a flash call or an SMS.
        var type = Util.GetNumberType(number);
        return new ParsedPhone(Util.Format(number, PhoneNumberFormat.E164), type == PhoneNumberType.FIXED_LINE);
    }

    public static string Mask(string e164)
    {
        ArgumentNullException.ThrowIfNull(e164);
        return e164.Length <= 6 ? "***" : $"{e164[..3]}{new string('*', e164.Length - 5)}{e164[^2..]}";
    }
}
