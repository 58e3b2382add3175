using Introserv.Contracts;

namespace Introserv.Orders.Contracts;

/// <summary>
/// The order moved from <paramref name="FromPlanId"/> to <paramref name="ToPlanId"/>: the rest of the paid term was
/// re-priced, <paramref name="Amount"/> charged (positive, an upgrade) or credited to the balance (negative).
/// </summary>
public sealed record OrderPlanChanged(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    Guid OrderId,
    string FromPlanId,
    string ToPlanId,
    decimal Amount,
    string Currency,
    long? OrderNumber = null,
    string? FromPlanName = null,
    string? ToPlanName = null) : IIntegrationEvent;

/// <summary>
/// The customer cancelled at the end of the paid term: the service runs until <paramref name="EffectiveAt"/>.
/// </summary>
public sealed record OrderCancellationScheduled(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    Guid OrderId,
    string PlanId,
    DateTimeOffset EffectiveAt,
    string? Reason,
    long? OrderNumber = null,
    string? PlanName = null) : IIntegrationEvent;

/// <summary>A scheduled cancellation was withdrawn: the order is active again.</summary>
public sealed record OrderCancellationWithdrawn(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    Guid OrderId,
    string PlanId,
    long? OrderNumber = null,
    string? PlanName = null) : IIntegrationEvent;

/// <summary>
/// The order ended by cancellation. <paramref name="Mode"/>: <c>immediate</c>, <c>end_of_term</c> or <c>unpaid</c>
/// (never paid within the payment window); <paramref name="Refund"/> was credited to the balance (see
/// <see cref="RefundIssued"/>).
/// </summary>
public sealed record OrderCancelled(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    Guid OrderId,
    string PlanId,
    string Mode,
    decimal Refund,
    string Currency,
    string? Reason,
    long? OrderNumber = null,
    string? PlanName = null) : IIntegrationEvent;

/// <summary>
/// The order was not renewed by <paramref name="PaidUntil"/>; it is suspended at <paramref name="SuspendsAt"/> unless
/// renewed.
/// </summary>
public sealed record OrderOverdue(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    Guid OrderId,
    string PlanId,
    DateTimeOffset PaidUntil,
    DateTimeOffset SuspendsAt,
    long? OrderNumber = null,
    string? PlanName = null) : IIntegrationEvent;

/// <summary>
/// The overdue order was suspended; it is terminated (its address released) at <paramref name="TerminatesAt"/> unless
/// renewed.
/// </summary>
public sealed record OrderSuspended(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    Guid OrderId,
    string PlanId,
    DateTimeOffset TerminatesAt,
    long? OrderNumber = null,
    string? PlanName = null) : IIntegrationEvent;

/// <summary>The suspended order was terminated and <paramref name="IpAddress"/> returned to the pool.</summary>
public sealed record OrderTerminated(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    Guid OrderId,
    string PlanId,
    string? IpAddress,
    long? OrderNumber = null,
    string? PlanName = null) : IIntegrationEvent;

/// <summary>
/// <paramref name="Amount"/> was credited to the balance for <paramref name="OrderId"/> (an immediate cancellation or a
/// downgrade): <paramref name="NetAmount"/> and the VAT it was charged with, <paramref name="TaxAmount"/> at
/// <paramref name="TaxRate"/> percent, reversed.
/// </summary>
public sealed record RefundIssued(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    Guid OrderId,
    Guid RefundId,
    decimal Amount,
    string Currency,
    string Reason,
    decimal NetAmount = 0m,
    decimal TaxAmount = 0m,
    decimal TaxRate = 0m) : IIntegrationEvent;

/// <summary>
/// The order is paid until <paramref name="PaidUntil"/>, <paramref name="DaysAhead"/> days or less from now (one of the
/// configured reminder days), and will not renew by itself: automatic renewal is off (<paramref name="AutoRenew"/>
/// false) or the balance (<paramref name="Balance"/>) does not cover <paramref name="RenewalPrice"/>. Sent once per
/// order, paid term and reminder day.
/// </summary>
public sealed record OrderRenewalDue(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    Guid OrderId,
    string PlanId,
    DateTimeOffset PaidUntil,
    int DaysAhead,
    bool AutoRenew,
    decimal RenewalPrice,
    decimal Balance,
    string Currency,
    long? OrderNumber = null,
    string? PlanName = null) : IIntegrationEvent;
