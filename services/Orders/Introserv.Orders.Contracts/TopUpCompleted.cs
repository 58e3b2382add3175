using Introserv.Contracts;

namespace Introserv.Orders.Contracts;

/// <summary>
/// A top-up through a payment provider ended: <paramref name="Status"/> is <c>succeeded</c> (the balance was
/// credited <paramref name="Amount"/> once; <paramref name="Balance"/> is the balance after it), <c>failed</c>
/// (<paramref name="FailureReason"/> says why, as the provider put it) or <c>expired</c>.
/// </summary>
public sealed record TopUpCompleted(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    Guid TopUpId,
    decimal Amount,
    string Currency,
    string Method,
    string Status,
    string? FailureReason,
    decimal? Balance) : IIntegrationEvent;
