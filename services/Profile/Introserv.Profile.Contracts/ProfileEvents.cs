using Introserv.Contracts;

namespace Introserv.Profile.Contracts;

/// <summary>The customer (or support) changed personal data; <paramref name="ChangedFields"/> names them (camelCase).</summary>
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

/// <summary>The customer confirmed the new address; Notifications tells the old one.</summary>
public sealed record EmailChanged(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    string OldEmail,
    string NewEmail) : IIntegrationEvent;

/// <summary>Support approved or rejected a company (<paramref name="Status"/>: pending, approved, rejected, none).</summary>
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
