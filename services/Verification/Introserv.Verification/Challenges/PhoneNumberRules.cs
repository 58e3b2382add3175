using PhoneNumbers;

namespace Introserv.Verification.Challenges;

// A phone number read and checked by libphonenumber: E.164, whether it is certainly a landline, its ISO 3166-1 region
// (e.g. BG; 001 for a non-geographic number) and the kind of line.
public sealed record ParsedPhone(string E164, bool IsLandline, string Region, PhoneNumberType Type)
{
    // Shown to the customer and written to logs: country code and the last two digits only.
    public string Masked => PhoneNumberRules.Mask(E164);

    // Whether a code may be sent to this kind of line at all (see PhoneNumberRules.AllowedTypes).
    public bool TypeAllowed => PhoneNumberRules.AllowedTypes.Contains(Type);

    // The type as the API names it, e.g. premium_rate.
    public string TypeName => PhoneNumberRules.NameOf(Type);
}

public static class PhoneNumberRules
{
    // The lines a customer of a billing panel answers on. Everything else is refused before anything is sent:
    // premium-rate, shared-cost and UAN numbers earn their owner money per text or call (toll fraud); toll-free
    // numbers cost the caller; voicemail, pager and personal (forwarding) numbers do not reach a person's handset;
    // VoIP numbers are cheap to rent in bulk and the favourite of code-pumping and throwaway accounts; an
    // unknown type is refused rather than guessed.
    public static readonly IReadOnlySet<PhoneNumberType> AllowedTypes = new HashSet<PhoneNumberType>
    {
        PhoneNumberType.MOBILE,
        PhoneNumberType.FIXED_LINE,
        PhoneNumberType.FIXED_LINE_OR_MOBILE,
    };

    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    // Null unless input is a valid, dialable number (E.164, or national with a region).
    public static ParsedPhone? Parse(string? input, string? regionHint = null)
    {
        if (string.IsNullOrWhiteSpace(input) || input.Length > 32)
        {
            return null;
        }

        PhoneNumber number;
        try
        {
            number = Util.Parse(
                input.Trim(), string.IsNullOrWhiteSpace(regionHint) ? null : regionHint.Trim().ToUpperInvariant());
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
        return new ParsedPhone(Util.Format(number, PhoneNumberFormat.E164),
            type == PhoneNumberType.FIXED_LINE, Util.GetRegionCodeForNumber(number) ?? "ZZ", type);
    }

    // The API's name of a number type: PREMIUM_RATE becomes premium_rate.
    public static string NameOf(PhoneNumberType type) => type.ToString().ToLowerInvariant();

    public static string Mask(string e164)
    {
        ArgumentNullException.ThrowIfNull(e164);
        return e164.Length <= 6 ? "***" : $"{e164[..3]}{new string('*', e164.Length - 5)}{e164[^2..]}";
    }
}
