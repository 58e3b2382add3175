using Introserv.Profile.Data;
using PhoneNumbers;

namespace Introserv.Profile.Features;

/// <summary>Field rules of the personal data: lengths, scripts, formats. Every error names its field.</summary>
public static class ProfileRules
{
    public const int NameMaxLength = 100;
    public const int CityMaxLength = 100;
    public const int AddressMaxLength = 200;

    private static readonly PhoneNumberUtil Phones = PhoneNumberUtil.GetInstance();

    /// <summary>Trimmed text of 1..max characters with no control characters; for names also at least one letter (any script).</summary>
    public static string? Text(Dictionary<string, string[]> errors, string field, string? value, int max, bool required, bool needsLetter = false)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var trimmed = value?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            if (required)
            {
                errors[field] = ["Required."];
            }

            return null;
        }

        if (trimmed.Length > max)
        {
            errors[field] = [$"At most {max} characters."];
        }
        else if (trimmed.Any(char.IsControl))
        {
            errors[field] = ["Must not contain control characters."];
        }
        else if (needsLetter && !trimmed.Any(char.IsLetter))
        {
            errors[field] = ["Must contain letters."];
        }

        return trimmed;
    }

    /// <summary>Letters, digits, spaces and <c>- . /</c>; for registration numbers and postal codes.</summary>
    public static string? Code(Dictionary<string, string[]> errors, string field, string? value, int max, bool required)
    {
        var text = Text(errors, field, value, max, required);
        if (text is not null && !errors.ContainsKey(field) && !text.All(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '.' or '/'))
        {
            errors[field] = ["Letters, digits, spaces and - . / only."];
        }

        return text;
    }

    public static string? Country(Dictionary<string, string[]> errors, string field, string? value, bool required)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required)
            {
                errors[field] = ["Required."];
            }

            return null;
        }

        var code = Countries.Normalize(value.Trim());
        if (code is null)
        {
            errors[field] = ["An ISO 3166-1 alpha-2 country code, e.g. BG."];
        }

        return code;
    }

    /// <summary>E.164 of a valid number, or null (an error is recorded when something was given).</summary>
    public static string? Phone(Dictionary<string, string[]> errors, string field, string? value)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        try
        {
            var number = Phones.Parse(value.Trim(), null);
            if (value.Length <= 32 && Phones.IsValidNumber(number))
            {
                return Phones.Format(number, PhoneNumberFormat.E164);
            }
        }
        catch (NumberParseException)
        {
        }

        errors[field] = ["A valid phone number in international format, e.g. +359881234567."];
        return null;
    }

    public static string? VatId(Dictionary<string, string[]> errors, string field, string? value)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var compact = new string([.. value.Where(c => c is not ' ' and not '-' and not '.')]).ToUpperInvariant();
        if (compact.Length is < 4 or > 20 || !compact.All(char.IsAsciiLetterOrDigit))
        {
            errors[field] = ["4 to 20 letters and digits, e.g. BG123456789."];
        }

        return compact;
    }

    public static bool IsEmail(string? value) =>
        value is { Length: >= 3 and <= 254 } && System.Net.Mail.MailAddress.TryCreate(value, out var parsed)
        && string.Equals(parsed.Address, value, StringComparison.Ordinal) && value.Contains('.', StringComparison.Ordinal)
        && value.IndexOf('@', StringComparison.Ordinal) is > 0 and var at && at < value.Length - 1;

    /// <summary>Why this account may not pay invoices yet (empty when it may).</summary>
    public static IReadOnlyList<string> PaymentBlockers(CustomerProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var reasons = new List<string>();
        if (string.IsNullOrWhiteSpace(profile.City) || string.IsNullOrWhiteSpace(profile.Address))
        {
            reasons.Add("personal_data_incomplete");
        }

        if (profile.Country is null)
        {
            reasons.Add("country_missing");
        }

        if (!profile.PostalAddress.IsComplete)
        {
            reasons.Add("postal_address_incomplete");
        }

        if (profile.ProfileType == ProfileTypes.Company)
        {
            switch (profile.CompanyVerification)
            {
                case CompanyVerificationStatuses.Rejected:
                    reasons.Add("company_rejected");
                    break;
                case not CompanyVerificationStatuses.Approved:
                    reasons.Add("company_unverified");
                    break;
            }
        }

        return reasons;
    }
}
