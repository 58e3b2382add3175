using Introserv.Contracts;

namespace Introserv.Identity.Contracts;

/// <summary>
/// An account's password was changed; every other session and refresh token of the account has been revoked.
/// Notifications tells the customer.
/// </summary>
public sealed record PasswordChanged(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    string? ChangedFromAddress) : IIntegrationEvent;

/// <summary>
/// Someone asked to reset the password of an account whose address is confirmed: Notifications mails
/// <paramref name="ResetToken"/> (single use, valid until <paramref name="ExpiresAt"/>) to <paramref name="Email"/>;
/// Identity keeps only its hash.
/// </summary>
public sealed record PasswordResetRequested(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    string Email,
    string ResetToken,
    DateTimeOffset ExpiresAt,
    string? RequestedFromAddress) : IIntegrationEvent;
