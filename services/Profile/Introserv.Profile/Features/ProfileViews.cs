namespace Introserv.Profile.Features;

// A company's details; name and registration number are required when the profile is a company's.
public sealed record CompanyDetails(
    [property: TextLength(ProfileRules.CompanyNameMaxLength), ContainsLetter] string? Name = null,
    [property: TextLength(ProfileRules.RegistrationNumberMaxLength), ProfileRules.RegistrationCode]
    string? RegistrationNumber = null,
    [property: TextLength(ProfileRules.VatIdMaxLength), ProfileRules.VatNumber] string? VatId = null);

// Where paper mail goes; every line optional until invoices are paid (then all are needed).
public sealed record PostalAddressRequest(
    [property: TextLength(ProfileRules.PostalLineMaxLength)] string? Recipient = null,
    [property: TextLength(ProfileRules.PostalLineMaxLength)] string? Street = null,
    [property: TextLength(ProfileRules.CityMaxLength)] string? City = null,
    [property: TextLength(ProfileRules.PostalCodeMaxLength), ProfileRules.RegistrationCode] string? PostalCode = null,
    [property: ProfileRules.CountryCode, TextLength(2)] string? Country = null);

public sealed record CompanyResponse(
    string? Name, string? RegistrationNumber, string? VatId, string Verification, string? VerificationReason);

public sealed record PostalAddressResponse(
    string? Recipient, string? Street, string? City, string? PostalCode, string? Country, bool Complete);

public sealed record BillingResponse(bool MayPayInvoices, IReadOnlyList<string> Reasons);

public sealed record ProfileResponse(
    Guid AccountId,
    string Login,
    string FirstName,
    string LastName,
    string? City,
    string? Address,
    string Email,
    bool EmailConfirmed,
    string? Phone,
    bool PhoneVerified,
    string? Country,
    string ProfileType,
    CompanyResponse? Company,
    PostalAddressResponse PostalAddress,
    BillingResponse Billing,
    int Version,
    DateTimeOffset UpdatedAt)
{
    public static ProfileResponse From(CustomerProfile profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var postal = profile.PostalAddress;
        var blockers = ProfileRules.PaymentBlockers(profile);
        return new ProfileResponse(
            profile.AccountId,
            profile.Login,
            profile.FirstName,
            profile.LastName,
            profile.City,
            profile.Address,
            profile.Email,
            profile.EmailConfirmed,
            profile.Phone,
            profile.PhoneVerified,
            profile.Country,
            profile.ProfileType,
            profile.ProfileType == ProfileTypes.Company
                ? new CompanyResponse(profile.CompanyName, profile.CompanyRegistrationNumber,
                    profile.VatId, profile.CompanyVerification, profile.CompanyVerificationReason)
                : null,
            new PostalAddressResponse(
                postal.Recipient, postal.Street, postal.City, postal.PostalCode, postal.Country, postal.IsComplete),
            new BillingResponse(blockers.Count == 0, blockers),
            profile.Version,
            profile.UpdatedAt);
    }

    public static string ETagOf(CustomerProfile profile) =>
        Preconditions.ETag((profile ?? throw new ArgumentNullException(nameof(profile))).Version);
}

// Collects field changes for the audit trail and the ProfileUpdated event.
public sealed class ChangeSet(
    ProfileDbContext db, CustomerProfile profile, string actor, Guid? actorId, string? ip, DateTimeOffset at,
    string? reason = null)
{
    private readonly List<string> _fields = [];

    public IReadOnlyList<string> Fields => _fields;

    // Sets a value through apply when it differs, and records the change.
    public void Set(string field, string? oldValue, string? newValue, Action apply)
    {
        ArgumentNullException.ThrowIfNull(apply);
        if (string.Equals(oldValue, newValue, StringComparison.Ordinal))
        {
            return;
        }

        apply();
        _fields.Add(field);
        db.AuditEntries.Add(new ProfileAuditEntry
        {
            AccountId = profile.AccountId,
            At = at,
            Actor = actor,
            ActorId = actorId,
            Ip = ip,
            Field = field,
            OldValue = Clip(oldValue),
            NewValue = Clip(newValue),
            Reason = reason,
        });
    }

    private static string? Clip(string? value) =>
        value is { Length: > ProfileAuditEntry.ValueMaxLength } ? value[..ProfileAuditEntry.ValueMaxLength] : value;
}
