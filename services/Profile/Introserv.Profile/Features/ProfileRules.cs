using System.ComponentModel.DataAnnotations;
using PhoneNumbers;

namespace Introserv.Profile.Features;

// Field rules of the personal data: the attributes the request types carry (formats that validation checks) and
// the normalisations the handlers store (trimmed text, E.164 phone numbers, upper-case country codes).
public static class ProfileRules
{
    public const int NameMaxLength = 100;
    public const int CityMaxLength = 100;
    public const int AddressMaxLength = 200;

    private static readonly PhoneNumberUtil Phones = PhoneNumberUtil.GetInstance();

    public const int CompanyNameMaxLength = 200;
    public const int RegistrationNumberMaxLength = 50;
    public const int VatIdMaxLength = 32;
    public const int PhoneMaxLength = 32;
    public const int PostalLineMaxLength = 200;
    public const int PostalCodeMaxLength = 20;

    // Trimmed text, or null when nothing (or only spaces) was given.
    public static string? Clean(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    // The ISO code of a country given by code (any case), or null.
    public static string? Country(string? value) =>
        string.IsNullOrWhiteSpace(value) ? null : Countries.Normalize(value.Trim());

    // E.164 of a valid number, or null.
    public static string? Phone(string? value)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > PhoneMaxLength)
        {
            return null;
        }

        try
        {
            var number = Phones.Parse(value.Trim(), null);
            return Phones.IsValidNumber(number) ? Phones.Format(number, PhoneNumberFormat.E164) : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }

    // A VAT number without spaces, dashes and dots, upper case; null when none was given.
    public static string? VatId(string? value) =>
        string.IsNullOrWhiteSpace(value)
            ? null
            : new string([.. value.Where(c => c is not ' ' and not '-' and not '.')]).ToUpperInvariant();

    // What a company's profile must name: the company and its registration number.
    public static IEnumerable<ValidationResult> CompanyRequired(CompanyDetails? company)
    {
        if (string.IsNullOrWhiteSpace(company?.Name))
        {
            yield return new ValidationResult("Required.", ["company.name"]);
        }

        if (string.IsNullOrWhiteSpace(company?.RegistrationNumber))
        {
            yield return new ValidationResult("Required.", ["company.registrationNumber"]);
        }
    }

    // An ISO 3166-1 alpha-2 country code the service knows (any case).
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
    public sealed class CountryCodeAttribute() : ValidationAttribute("An ISO 3166-1 alpha-2 country code, e.g. BG.")
    {
        public override bool IsValid(object? value) =>
            value is not string text || string.IsNullOrWhiteSpace(text) || Country(text) is not null;
    }

    // A valid phone number in international format.
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
    public sealed class PhoneNumberAttribute()
        : ValidationAttribute("A valid phone number in international format, e.g. +359881234567.")
    {
        public override bool IsValid(object? value) =>
            value is not string text || string.IsNullOrWhiteSpace(text) || Phone(text) is not null;
    }

    // A VAT number: 4 to 20 letters and digits once spaces, dashes and dots are dropped.
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
    public sealed class VatNumberAttribute() : ValidationAttribute("4 to 20 letters and digits, e.g. BG123456789.")
    {
        public override bool IsValid(object? value) =>
            value is not string text
                || string.IsNullOrWhiteSpace(text)
                || VatId(text) is { Length: >= 4 and <= 20 } compact && compact.All(char.IsAsciiLetterOrDigit);
    }

    // Letters, digits, spaces and - . /: registration numbers and postal codes.
    [AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
    public sealed class RegistrationCodeAttribute() : ValidationAttribute("Letters, digits, spaces and - . / only.")
    {
        public override bool IsValid(object? value) =>
            value is not string text || text.Trim().All(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '.' or '/');
    }

    // Why this account may not pay invoices yet (empty when it may).
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
