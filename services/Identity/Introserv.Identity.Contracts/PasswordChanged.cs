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

/// <summary>
/// An account signed in from an address it had not signed in from before (the first sign-in of an account tells
/// nothing): Notifications tells the customer, with the time and the address, so that someone else's sign-in is
/// noticed.
/// </summary>
public sealed record SignedInFromNewAddress(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    string Address,
    string? UserAgent) : IIntegrationEvent;
