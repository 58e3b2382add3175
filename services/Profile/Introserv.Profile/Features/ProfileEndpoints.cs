using Introserv.ServiceDefaults;
using System.Globalization;
using System.Security.Claims;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Profile.Contracts;
using Introserv.Profile.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Profile.Features;

/// <summary>
/// The whole editable profile. <c>email</c> and <c>country</c> may be sent back unchanged (a form posts what it
/// read); changing them here is refused. <c>version</c> (or an <c>If-Match</c> header) is the version read.
/// </summary>
public sealed record UpdateProfileRequest(
    string? FirstName,
    string? LastName,
    string? City,
    string? Address,
    string? Email,
    string? Phone,
    string? Country,
    string? ProfileType,
    CompanyDetails? Company,
    PostalAddressRequest? PostalAddress,
    int? Version);

public static class ProfileEndpoints
{
    public static RouteGroupBuilder MapProfileEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/profile").WithTags("Profile").RequireAuthorization().Problems(ProfileProblems.ProfileNotFound);
        group.MapGet("/", GetAsync)
            .WithSummary("The customer's personal data, with its version (also the ETag) and whether invoices may be paid");
        group.MapPut("/", UpdateAsync)
            .WithSummary("Replace the personal data")
            .WithDescription("Send the version read (If-Match or 'version'): precondition_required without, profile_version_mismatch when another change came first; " +
                "validation_failed names every bad field; email_change_requires_confirmation: use POST /api/profile/email-change. " +
                "A new phone number is unverified; new company details wait for verification by support (invoices cannot be paid meanwhile).")
            .Produces<ProfileResponse>(StatusCodes.Status200OK)
            .Problems(ProfileProblems.CountryChangeRequiresSupport, ProfileProblems.VersionMismatch, ProfileProblems.EmailChangeRequiresConfirmation, ProfileProblems.PreconditionRequired);
        return group;
    }

    private static async Task<Results<Ok<ProfileResponse>, ProblemHttpResult>> GetAsync(
        ClaimsPrincipal user, HttpContext context, ProfileDbContext db, CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        var profile = await db.Profiles.AsNoTracking().FirstOrDefaultAsync(p => p.AccountId == accountId, cancellationToken);
        if (profile is null)
        {
            return ProfileProblems.NotFound();
        }

        context.Response.Headers.ETag = ProfileResponse.ETagOf(profile);
        return TypedResults.Ok(ProfileResponse.From(profile));
    }

    private static async Task<IResult> UpdateAsync(
        UpdateProfileRequest request, ClaimsPrincipal user, HttpContext context, ProfileDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        var profile = await db.Profiles.FirstOrDefaultAsync(p => p.AccountId == accountId, cancellationToken);
        if (profile is null)
        {
            return ProfileProblems.NotFound();
        }

        var expected = ExpectedVersion(context, request.Version);
        if (expected is null)
        {
            return ProfileProblems.PreconditionRequired.Result("Send the version you read, as If-Match: \"<version>\" or as 'version', so changes from another tab are not overwritten.");
        }

        if (expected != profile.Version)
        {
            return VersionMismatch(profile.Version);
        }

        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var firstName = ProfileRules.Text(errors, "firstName", request.FirstName, ProfileRules.NameMaxLength, required: true, needsLetter: true);
        var lastName = ProfileRules.Text(errors, "lastName", request.LastName, ProfileRules.NameMaxLength, required: true, needsLetter: true);
        var city = ProfileRules.Text(errors, "city", request.City, ProfileRules.CityMaxLength, required: true, needsLetter: true);
        var address = ProfileRules.Text(errors, "address", request.Address, ProfileRules.AddressMaxLength, required: true);
        var phone = ProfileRules.Phone(errors, "phone", request.Phone);
        var country = ProfileRules.Country(errors, "country", request.Country, required: false);
        var type = request.ProfileType?.Trim().ToLowerInvariant() ?? profile.ProfileType;
        if (type is not (ProfileTypes.Individual or ProfileTypes.Company))
        {
            errors["profileType"] = ["'individual' or 'company'."];
        }

        string? companyName = null, registration = null, vatId = null;
        if (type == ProfileTypes.Company)
        {
            companyName = ProfileRules.Text(errors, "company.name", request.Company?.Name, 200, required: true, needsLetter: true);
            registration = ProfileRules.Code(errors, "company.registrationNumber", request.Company?.RegistrationNumber, 50, required: true);
            vatId = ProfileRules.VatId(errors, "company.vatId", request.Company?.VatId);
        }

        var postal = request.PostalAddress;
        var recipient = ProfileRules.Text(errors, "postalAddress.recipient", postal?.Recipient, 200, required: false);
        var street = ProfileRules.Text(errors, "postalAddress.street", postal?.Street, 200, required: false);
        var postalCity = ProfileRules.Text(errors, "postalAddress.city", postal?.City, 100, required: false);
        var postalCode = ProfileRules.Code(errors, "postalAddress.postalCode", postal?.PostalCode, 20, required: false);
        var postalCountry = ProfileRules.Country(errors, "postalAddress.country", postal?.Country, required: false);
        if (request.Email is not null && !string.Equals(request.Email.Trim(), profile.Email, StringComparison.OrdinalIgnoreCase) && !errors.ContainsKey("email"))
        {
            return ProfileProblems.EmailChangeRequiresConfirmation.Result("The email address changes only after the new address is confirmed: POST /api/profile/email-change.");
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        if (country is not null && profile.Country is not null && country != profile.Country)
        {
            return ProfileProblems.CountryChangeRequiresSupport.Result("The country of an account can only be changed by support: open a ticket with the reason.", new Dictionary<string, object?> { ["support"] = "/support" });
        }

        var now = clock.GetUtcNow();
        var changes = new ChangeSet(db, profile, "customer", accountId, context.Ip(), now);
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

        var companyBefore = (profile.ProfileType, profile.CompanyName, profile.CompanyRegistrationNumber);
        changes.Set("profileType", profile.ProfileType, type, () => profile.ProfileType = type);
        changes.Set("company.name", profile.CompanyName, companyName, () => profile.CompanyName = companyName);
        changes.Set("company.registrationNumber", profile.CompanyRegistrationNumber, registration, () => profile.CompanyRegistrationNumber = registration);
        changes.Set("company.vatId", profile.VatId, vatId, () => profile.VatId = vatId);
        var verification = type != ProfileTypes.Company
            ? CompanyVerificationStatuses.None
            : companyBefore != (profile.ProfileType, profile.CompanyName, profile.CompanyRegistrationNumber)
                ? CompanyVerificationStatuses.Pending
                : profile.CompanyVerification;
        changes.Set("company.verification", profile.CompanyVerification, verification, () =>
        {
            profile.CompanyVerification = verification;
            profile.CompanyVerificationReason = null;
            db.AddIntegrationEvent(new CompanyVerificationChanged(Guid.CreateVersion7(), now, accountId, verification, null, null), clock);
        });
        var address2 = profile.PostalAddress;
        changes.Set("postalAddress.recipient", address2.Recipient, recipient, () => address2.Recipient = recipient);
        changes.Set("postalAddress.street", address2.Street, street, () => address2.Street = street);
        changes.Set("postalAddress.city", address2.City, postalCity, () => address2.City = postalCity);
        changes.Set("postalAddress.postalCode", address2.PostalCode, postalCode, () => address2.PostalCode = postalCode);
        changes.Set("postalAddress.country", address2.Country, postalCountry, () => address2.Country = postalCountry);

        if (changes.Fields.Count > 0)
        {
            profile.Version++;
            profile.UpdatedAt = now;
            db.AddIntegrationEvent(new ProfileUpdated(Guid.CreateVersion7(), now, accountId, changes.Fields), clock);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            catch (DbUpdateConcurrencyException)
            {
                var current = await db.Profiles.AsNoTracking().Where(p => p.AccountId == accountId).Select(p => p.Version).FirstAsync(cancellationToken);
                return VersionMismatch(current);
            }
        }

        context.Response.Headers.ETag = ProfileResponse.ETagOf(profile);
        return TypedResults.Ok(ProfileResponse.From(profile));
    }

    private static int? ExpectedVersion(HttpContext context, int? bodyVersion)
    {
        var header = context.Request.Headers.IfMatch.ToString().Trim();
        if (header.StartsWith("W/", StringComparison.Ordinal))
        {
            header = header[2..];
        }

        return header.Length > 2 && int.TryParse(header.Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var version) ? version : bodyVersion;
    }

    private static ProblemHttpResult VersionMismatch(int current) => ProfileProblems.VersionMismatch.Result("Someone changed the profile after you read it (another tab?). Read it again and re-apply your change.",
        new Dictionary<string, object?> { ["currentVersion"] = current });
}
