using System.ComponentModel.DataAnnotations;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Profile.Contracts;

namespace Introserv.Profile.Features;

// The whole editable profile. email and country may be sent back unchanged (a form posts what it read); changing them
// here is refused. version (or an If-Match header) is the version read.
public sealed record UpdateProfileRequest(
    [property: RequiredValue, TextLength(ProfileRules.NameMaxLength), ContainsLetter] string? FirstName,
    [property: RequiredValue, TextLength(ProfileRules.NameMaxLength), ContainsLetter] string? LastName,
    [property: RequiredValue, TextLength(ProfileRules.CityMaxLength), ContainsLetter] string? City,
    [property: RequiredValue, TextLength(ProfileRules.AddressMaxLength)] string? Address,
    [property: TextLength(EmailAttribute.MaxLength)] string? Email = null,
    [property: TextLength(ProfileRules.PhoneMaxLength), ProfileRules.PhoneNumber] string? Phone = null,
    [property: TextLength(2), ProfileRules.CountryCode] string? Country = null,
    [property: OneOf(ProfileTypes.Individual, ProfileTypes.Company)] string? ProfileType = null,
    CompanyDetails? Company = null,
    PostalAddressRequest? PostalAddress = null,
    int? Version = null) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        string.Equals(ProfileType?.Trim(), ProfileTypes.Company, StringComparison.OrdinalIgnoreCase)
            ? ProfileRules.CompanyRequired(Company)
            : [];
}

public static class ProfileEndpoints
{
    public static RouteGroupBuilder MapProfileEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app
            .MapGroup("/api/profile")
            .WithTags("Profile")
            .RequireAuthorization()
            .Problems(ProfileProblems.ProfileNotFound);
        group.MapGet("/", GetAsync)
            .WithSummary(
                "The customer's personal data, with its version (also the ETag) and whether invoices may be paid");
        group.MapPut("/", UpdateAsync)
            .WithSummary("Replace the personal data")
            .WithDescription(
                "Send the version read (If-Match or 'version'): precondition_required without, " +
                "profile_version_mismatch when another change came first; validation_failed names every bad field; " +
                "email_change_requires_confirmation: use POST /api/profile/email-change. A new phone number is " +
                "unverified; new company details wait for verification by support (invoices cannot be paid " +
                "meanwhile).")
            .Produces<ProfileResponse>(StatusCodes.Status200OK)
            .Problems(ProfileProblems.CountryChangeRequiresSupport, ProfileProblems.VersionMismatch,
                ProfileProblems.EmailChangeRequiresConfirmation, ProfileProblems.PreconditionRequired);
        return group;
    }

    private static async Task<Results<Ok<ProfileResponse>, ProblemHttpResult>> GetAsync(
        ClaimsPrincipal user, HttpContext context, ProfileDbContext db, CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        var profile = await db.FindProfileAsync(accountId, cancellationToken);
        if (profile is null)
        {
            return ProfileProblems.NotFound();
        }

        context.Response.Headers.ETag = ProfileResponse.ETagOf(profile);
        return TypedResults.Ok(ProfileResponse.From(profile));
    }

    private static async Task<Results<Ok<ProfileResponse>, ProblemHttpResult>> UpdateAsync(
        UpdateProfileRequest request, ClaimsPrincipal user, HttpContext context, ProfileDbContext db,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        var profile = await db.Profiles.FirstOrDefaultAsync(p => p.AccountId == accountId, cancellationToken);
        if (profile is null)
        {
            return ProfileProblems.NotFound();
        }

        var expected = Preconditions.ExpectedVersion(context, request.Version);
        if (expected is null)
        {
            return Preconditions.Missing("profile");
        }

        if (expected != profile.Version)
        {
            return VersionMismatch(profile.Version);
        }

        // Validation has checked every field's shape; what is stored is trimmed and normalised.
        var firstName = ProfileRules.Clean(request.FirstName);
        var lastName = ProfileRules.Clean(request.LastName);
        var city = ProfileRules.Clean(request.City);
        var address = ProfileRules.Clean(request.Address);
        var phone = ProfileRules.Phone(request.Phone);
        var country = ProfileRules.Country(request.Country);
        var type = request.ProfileType?.Trim().ToLowerInvariant() ?? profile.ProfileType;
        string? companyName = null, registration = null, vatId = null;
        if (type == ProfileTypes.Company)
        {
            // A profile that stays a company (profileType omitted) needs its details as much as a new one.
            if (ProfileRules.CompanyRequired(request.Company).FirstOrDefault() is { } missing)
            {
                return FieldError.Result(missing.MemberNames.First(), missing.ErrorMessage!);
            }

            companyName = ProfileRules.Clean(request.Company!.Name);
            registration = ProfileRules.Clean(request.Company.RegistrationNumber);
            vatId = ProfileRules.VatId(request.Company.VatId);
            if (vatId is not null)
            {
                // The format the company's country gives VAT numbers (the country named now, or the one on file).
                var (number, problem) = VatNumbers.Check(country ?? profile.Country, vatId);
                if (problem is not null)
                {
                    return FieldError.Result("company.vatId", problem);
                }

                vatId = number;
            }
        }

        var postal = request.PostalAddress;
        var recipient = ProfileRules.Clean(postal?.Recipient);
        var street = ProfileRules.Clean(postal?.Street);
        var postalCity = ProfileRules.Clean(postal?.City);
        var postalCode = ProfileRules.Clean(postal?.PostalCode);
        var postalCountry = ProfileRules.Country(postal?.Country);
        if (request.Email is not null
            && !string.Equals(request.Email.Trim(), profile.Email, StringComparison.OrdinalIgnoreCase))
        {
            return ProfileProblems.EmailChangeRequiresConfirmation.Result(
                "The email address changes only after the new address is confirmed: POST /api/profile/email-change.");
        }

        if (country is not null && profile.Country is not null && country != profile.Country)
        {
            return ProfileProblems.CountryChangeRequiresSupport.Result(
                "The country of an account can only be changed by support: open a ticket with the reason.",
                new Dictionary<string, object?> { ["support"] = "/support" });
        }

        var now = clock.GetUtcNow();
        var changes = new ChangeSet(db, profile, "customer", accountId, context.ClientAddress()?.ToString(), now);
        changes.Set("firstName", profile.FirstName, firstName, () => profile.FirstName = firstName!);
        changes.Set("lastName", profile.LastName, lastName, () => profile.LastName = lastName!);
        changes.Set("city", profile.City, city, () => profile.City = city);
        changes.Set("address", profile.Address, address, () => profile.Address = address);
        changes.Set("phone", profile.Phone, phone, () =>
        {
            profile.Phone = phone;
            profile.PhoneVerified = false;
            profile.PhoneVerifiedAt = null;
        });
        if (country is not null)
        {
            // Only reached while the country is still unset: the customer names it once, support changes it after.
            changes.Set("country", profile.Country, country, () => profile.Country = country);
        }

        // The VAT number is part of what staff verify: a new one (it decides reverse charge) asks for verification
        // again.
        var companyBefore =
            (profile.ProfileType, profile.CompanyName, profile.CompanyRegistrationNumber, profile.VatId);
        changes.Set("profileType", profile.ProfileType, type, () => profile.ProfileType = type);
        changes.Set("company.name", profile.CompanyName, companyName, () => profile.CompanyName = companyName);
        changes.Set("company.registrationNumber", profile.CompanyRegistrationNumber, registration, () =>
            profile.CompanyRegistrationNumber = registration);
        changes.Set("company.vatId", profile.VatId, vatId, () => profile.VatId = vatId);
        var verification = type != ProfileTypes.Company
            ? CompanyVerificationStatuses.None
            : companyBefore != (
                profile.ProfileType, profile.CompanyName, profile.CompanyRegistrationNumber, profile.VatId)
                ? CompanyVerificationStatuses.Pending
                : profile.CompanyVerification;
        changes.Set("company.verification", profile.CompanyVerification, verification, () =>
        {
            profile.CompanyVerification = verification;
            profile.CompanyVerificationReason = null;
            db.AddIntegrationEvent(
                new CompanyVerificationChanged(Guid.CreateVersion7(), now, accountId, verification, null, null), clock);
        });
        var address2 = profile.PostalAddress;
        changes.Set("postalAddress.recipient", address2.Recipient, recipient, () => address2.Recipient = recipient);
        changes.Set("postalAddress.street", address2.Street, street, () => address2.Street = street);
        changes.Set("postalAddress.city", address2.City, postalCity, () => address2.City = postalCity);
        changes.Set("postalAddress.postalCode", address2.PostalCode, postalCode, () =>
            address2.PostalCode = postalCode);
        changes.Set("postalAddress.country", address2.Country, postalCountry, () => address2.Country = postalCountry);

        if (changes.Fields.Count > 0)
        {
            profile.UpdatedAt = now;
            db.AddIntegrationEvent(new ProfileUpdated(Guid.CreateVersion7(), now, accountId, changes.Fields), clock);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException)
            {
                var current = await db.Profiles
                    .AsNoTracking()
                    .Where(p => p.AccountId == accountId)
                    .Select(p => p.Version)
                    .FirstAsync(cancellationToken);
                return VersionMismatch(current);
            }
        }

        context.Response.Headers.ETag = ProfileResponse.ETagOf(profile);
        return TypedResults.Ok(ProfileResponse.From(profile));
    }

    private static ProblemHttpResult VersionMismatch(int current) =>
        ProfileProblems.VersionMismatch.Result(
            "Someone changed the profile after you read it (another tab?). Read it again and re-apply your change.",
            new Dictionary<string, object?> { ["currentVersion"] = current });
}
