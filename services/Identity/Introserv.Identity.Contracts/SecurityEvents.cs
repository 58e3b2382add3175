using Introserv.Contracts;

namespace Introserv.Identity.Contracts;

/// <summary>
/// The support security code of the account was set (once; it is never published). Notifications tells the customer.
/// </summary>
public sealed record SecurityCodeSet(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    string? SetFromAddress) : IIntegrationEvent;

/// <summary>
/// The account's second factor was turned on (<paramref name="Enabled"/>) or off; by support for a locked-out
/// customer when <paramref name="SupportReason"/> is set. <paramref name="Method"/> is "phone" for the phone as a
/// second factor of its own, null for the authenticator app (or everything, when turned off). Notifications tells the
/// customer.
/// </summary>
public sealed record TwoFactorChanged(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    bool Enabled,
    string? ChangedFromAddress,
    string? SupportReason = null,
    string? Method = null) : IIntegrationEvent;

/// <summary>
/// The account's "confirm sensitive operations by call" was turned on (<paramref name="Enabled"/>) or off; by support
/// (a lost phone) when <paramref name="SupportReason"/> is set. Notifications tells the customer; Verification guards
/// the verified phone while it is on.
/// </summary>
public sealed record CallConfirmationChanged(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    bool Enabled,
    string? ChangedFromAddress,
    string? SupportReason = null) : IIntegrationEvent;
