using Introserv.Contracts;

namespace Introserv.Orders.Contracts;

// Every order event ends with what a person reads: the order's number (OrderNumber, "order 100042") and the plan's
// name (PlanName, "VPS M"; FromPlanName and ToPlanName for a plan change). Both are null in events written before
// they existed, so a consumer falls back to the ids.

/// <summary>A customer ordered <paramref name="PlanId"/> for <paramref name="PeriodMonths"/> months.</summary>
public sealed record OrderPlaced(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    Guid OrderId,
    string PlanId,
    int PeriodMonths,
    decimal Amount,
    string Currency,
    long? OrderNumber = null,
    string? PlanName = null) : IIntegrationEvent;

/// <summary>
/// The order was paid and the service runs at <paramref name="IpAddress"/> until <paramref name="PaidUntil"/>.
/// </summary>
public sealed record OrderActivated(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    Guid OrderId,
    string PlanId,
    string IpAddress,
    DateTimeOffset PaidUntil,
    long? OrderNumber = null,
    string? PlanName = null) : IIntegrationEvent;

/// <summary>
/// A charge was issued (a new order, a renewal or an upgrade). <paramref name="InvoiceNumber"/> is the invoice's
/// number in its year's series (null in events written before it was carried). <paramref name="PdfUrl"/> is the
/// signed, time-limited link to the invoice's PDF through the gateway (null when links are not configured).
/// </summary>
public sealed record InvoiceIssued(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    Guid InvoiceId,
    Guid OrderId,
    string Kind,
    decimal Amount,
    string Currency,
    string? InvoiceNumber = null,
    string? PdfUrl = null) : IIntegrationEvent;

/// <summary>An invoice was paid from the balance.</summary>
public sealed record InvoicePaid(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    Guid InvoiceId,
    Guid OrderId,
    decimal Amount,
    string Currency,
    string? InvoiceNumber = null) : IIntegrationEvent;
