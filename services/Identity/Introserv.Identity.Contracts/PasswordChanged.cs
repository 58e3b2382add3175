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
