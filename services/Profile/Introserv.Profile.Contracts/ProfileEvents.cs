using Introserv.Contracts;

namespace Introserv.Profile.Contracts;

/// <summary>
/// The customer (or support) changed personal data; <paramref name="ChangedFields"/> names them (camelCase).
/// </summary>
public sealed record ProfileUpdated(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    IReadOnlyList<string> ChangedFields) : IIntegrationEvent;

/// <summary>
/// The customer asked to change their email to <paramref name="NewEmail"/>. Notifications mails
/// <paramref name="ConfirmationToken"/> (single use, valid until <paramref name="ExpiresAt"/>) to the new address
/// only; Profile keeps nothing but its hash. A newer request makes older tokens invalid.
/// </summary>
public sealed record EmailChangeRequested(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    Guid RequestId,
    string CurrentEmail,
    string NewEmail,
    string ConfirmationToken,
    DateTimeOffset ExpiresAt) : IIntegrationEvent;

/// <summary>
/// The customer confirmed the new address; Notifications tells the old one. <paramref name="ProfileVersion"/> is
/// the profile's version after the change: two changes may arrive in either order, and consumers take the address
/// of the highest version they have seen. Messages from before it existed carry none (null): such a message is
/// applied only while no versioned change has been applied.
/// </summary>
public sealed record EmailChanged(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    string OldEmail,
    string NewEmail,
    int? ProfileVersion = null) : IIntegrationEvent
{
    /// <summary>
    /// Whether this change is newer than the one applied last (<paramref name="appliedVersion"/>, null if none with a
    /// version).
    /// </summary>
    public bool IsNewerThan(int? appliedVersion) =>
        appliedVersion is null || (ProfileVersion is { } version && version > appliedVersion);
}

/// <summary>
/// Support approved or rejected a company (<paramref name="Status"/>: pending, approved, rejected, none).
/// </summary>
public sealed record CompanyVerificationChanged(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    string Status,
    string? Reason,
    Guid? ChangedBy) : IIntegrationEvent;

/// <summary>Support changed the account's country (the customer cannot).</summary>
public sealed record CountryChanged(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    string? OldCountry,
    string NewCountry,
    string Reason,
    Guid? ChangedBy) : IIntegrationEvent;

/// <summary>
/// A confirmation link for the account's current address (after sign-up, or asked for again): Notifications
/// mails <paramref name="ConfirmationToken"/> (single use, valid until <paramref name="ExpiresAt"/>) to
/// <paramref name="Email"/>; Profile keeps nothing but its hash.
/// </summary>
public sealed record EmailConfirmationRequested(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    Guid RequestId,
    string Email,
    string ConfirmationToken,
    DateTimeOffset ExpiresAt) : IIntegrationEvent;

/// <summary>
/// The customer confirmed they receive mail at <paramref name="Email"/> (the account's address at
/// <paramref name="ProfileVersion"/>): Identity may send password resets there, Notifications news.
/// </summary>
public sealed record EmailConfirmed(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    string Email,
    int ProfileVersion) : IIntegrationEvent;
