namespace Introserv.Profile.Data;

public static class ProfileTypes
{
    public const string Individual = "individual";
    public const string Company = "company";
}

public static class CompanyVerificationStatuses
{
    public const string None = "none";
    public const string Pending = "pending";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
}

// A customer's personal data (the Profile / Personal Information section). Version guards every write.
public sealed class CustomerProfile : Introserv.BuildingBlocks.Data.IVersioned
{
    public Guid AccountId { get; set; }

    public required string Login { get; set; }

    public required string FirstName { get; set; }

    public required string LastName { get; set; }

    public string? City { get; set; }

    public string? Address { get; set; }

    public required string Email { get; set; }

    public bool EmailConfirmed { get; set; }

    // E.164.
    public string? Phone { get; set; }

    public bool PhoneVerified { get; set; }

    public DateTimeOffset? PhoneVerifiedAt { get; set; }

    // ISO 3166-1 alpha-2; the customer may set it once, afterwards only support changes it.
    public string? Country { get; set; }

    public string ProfileType { get; set; } = ProfileTypes.Individual;

    public string? CompanyName { get; set; }

    public string? CompanyRegistrationNumber { get; set; }

    public string? VatId { get; set; }

    public string CompanyVerification { get; set; } = CompanyVerificationStatuses.None;

    public string? CompanyVerificationReason { get; set; }

    public PostalAddress PostalAddress { get; set; } = new();

    public int Version { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

// Where paper mail goes; payment needs every line.
public sealed class PostalAddress
{
    public string? Recipient { get; set; }

    public string? Street { get; set; }

    public string? City { get; set; }

    public string? PostalCode { get; set; }

    public string? Country { get; set; }

    public bool IsComplete =>
        !string.IsNullOrWhiteSpace(Recipient) && !string.IsNullOrWhiteSpace(Street) && !string.IsNullOrWhiteSpace(City)
        && !string.IsNullOrWhiteSpace(PostalCode) && !string.IsNullOrWhiteSpace(Country);
}

// A pending change of email: only the token's SHA-256 is kept.
public sealed class EmailChangeRequest
{
    public Guid Id { get; set; }

    public Guid AccountId { get; set; }

    public required string NewEmail { get; set; }

    public required string TokenHash { get; set; }

    public DateTimeOffset RequestedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? ConfirmedAt { get; set; }

    // Set when a newer request replaced this one.
    public DateTimeOffset? SupersededAt { get; set; }
}

// One changed field of a profile, as the customer sees it in their audit (never a secret).
public sealed class ProfileAuditEntry
{
    public const int ValueMaxLength = 300;

    public long Id { get; set; }

    public Guid AccountId { get; set; }

    public DateTimeOffset At { get; set; }

    // customer, staff or system.
    public required string Actor { get; set; }

    public Guid? ActorId { get; set; }

    public string? Ip { get; set; }

    public required string Field { get; set; }

    public string? OldValue { get; set; }

    public string? NewValue { get; set; }

    public string? Reason { get; set; }
}
