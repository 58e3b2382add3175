using System.ComponentModel.DataAnnotations;
using Introserv.Panel.Gateway.Models;

namespace Introserv.Panel.Api;

// The profile form: personal information, the mobile phone, Individual or Company with the company's details, and the
// postal address. PUT /api/profile replaces the whole profile (a field left out is cleared), so the form carries every
// field and sends them all. Checked here first, and again by the API (whose field errors are shown too).
public sealed class ProfileForm : IValidatableObject
{
    public const string Individual = "individual";
    public const string Company = "company";

    [Required(ErrorMessage = "Enter your first name.")]
    [StringLength(100, ErrorMessage = "At most 100 characters.")]
    public string FirstName { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your last name.")]
    [StringLength(100, ErrorMessage = "At most 100 characters.")]
    public string LastName { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your city.")]
    [StringLength(100, ErrorMessage = "At most 100 characters.")]
    public string City { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your address.")]
    [StringLength(200, ErrorMessage = "At most 200 characters.")]
    public string Address { get; set; } = string.Empty;

    [RegularExpression(@"^\s*\+?[0-9 ()\-]{6,31}\s*$",
        ErrorMessage = "Enter the number with its country code, e.g. +359 88 123 4567.")]
    public string Phone { get; set; } = string.Empty;

    // Only while the profile has no country: the customer names it once; support changes it after.
    public string Country { get; set; } = string.Empty;

    public string ProfileType { get; set; } = Individual;

    [StringLength(200, ErrorMessage = "At most 200 characters.")]
    public string CompanyName { get; set; } = string.Empty;

    [StringLength(50, ErrorMessage = "At most 50 characters.")]
    public string RegistrationNumber { get; set; } = string.Empty;

    [StringLength(32, ErrorMessage = "At most 32 characters.")]
    public string VatId { get; set; } = string.Empty;

    [StringLength(200, ErrorMessage = "At most 200 characters.")]
    public string Recipient { get; set; } = string.Empty;

    [StringLength(200, ErrorMessage = "At most 200 characters.")]
    public string Street { get; set; } = string.Empty;

    [StringLength(100, ErrorMessage = "At most 100 characters.")]
    public string PostalCity { get; set; } = string.Empty;

    [StringLength(20, ErrorMessage = "At most 20 characters.")]
    public string PostalCode { get; set; } = string.Empty;

    public string PostalCountry { get; set; } = string.Empty;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (ProfileType == Company && string.IsNullOrWhiteSpace(CompanyName))
        {
            yield return new ValidationResult("Enter the company's name.", [nameof(CompanyName)]);
        }

        if (ProfileType == Company && string.IsNullOrWhiteSpace(RegistrationNumber))
        {
            yield return new ValidationResult(
                "Enter the company's registration number.", [nameof(RegistrationNumber)]);
        }
    }

    public static ProfileForm From(ProfileResponse profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return new ProfileForm
        {
            FirstName = profile.FirstName ?? string.Empty,
            LastName = profile.LastName ?? string.Empty,
            City = profile.City ?? string.Empty,
            Address = profile.Address ?? string.Empty,
            Phone = profile.Phone ?? string.Empty,
            Country = profile.Country ?? string.Empty,
            ProfileType = profile.ProfileType == Company ? Company : Individual,
            CompanyName = profile.Company?.Name ?? string.Empty,
            RegistrationNumber = profile.Company?.RegistrationNumber ?? string.Empty,
            VatId = profile.Company?.VatId ?? string.Empty,
            Recipient = profile.PostalAddress?.Recipient ?? string.Empty,
            Street = profile.PostalAddress?.Street ?? string.Empty,
            PostalCity = profile.PostalAddress?.City ?? string.Empty,
            PostalCode = profile.PostalAddress?.PostalCode ?? string.Empty,
            PostalCountry = profile.PostalAddress?.Country ?? string.Empty,
        };
    }

    // The whole profile as it should be; the email stays (it changes by confirmation) and a country already set is
    // sent as it is (support changes it).
    public UpdateProfileRequest ToRequest(ProfileResponse current)
    {
        ArgumentNullException.ThrowIfNull(current);
        var company = ProfileType == Company;
        return new UpdateProfileRequest
        {
            FirstName = FirstName.Trim(),
            LastName = LastName.Trim(),
            City = City.Trim(),
            Address = Address.Trim(),
            Phone = OrNull(Phone),
            Country = current.Country ?? OrNull(Country),
            ProfileType = company
                ? UpdateProfileRequest_profileType.Company
                : UpdateProfileRequest_profileType.Individual,
            Company = company
                ? new CompanyDetails
                {
                    Name = OrNull(CompanyName), RegistrationNumber = OrNull(RegistrationNumber), VatId = OrNull(VatId),
                }
                : null,
            PostalAddress = new PostalAddressRequest
            {
                Recipient = OrNull(Recipient),
                Street = OrNull(Street),
                City = OrNull(PostalCity),
                PostalCode = OrNull(PostalCode),
                Country = OrNull(PostalCountry),
            },
            Version = current.Version,
        };
    }

    private static string? OrNull(string value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
