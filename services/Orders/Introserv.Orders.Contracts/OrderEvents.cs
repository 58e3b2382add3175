using Introserv.Contracts;

namespace Introserv.Orders.Contracts;

/// <summary>A customer ordered <paramref name="PlanId"/> for <paramref name="PeriodMonths"/> months.</summary>
public sealed record OrderPlaced(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    Guid OrderId,
    string PlanId,
    int PeriodMonths,
    decimal Amount,
    string Currency) : IIntegrationEvent;

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
    DateTimeOffset PaidUntil) : IIntegrationEvent;

/// <summary>A charge was issued (a new order, a renewal or an upgrade).</summary>
public sealed record InvoiceIssued(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    Guid InvoiceId,
    Guid OrderId,
    string Kind,
    decimal Amount,
    string Currency) : IIntegrationEvent;

/// <summary>An invoice was paid from the balance.</summary>
public sealed record InvoicePaid(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    Guid InvoiceId,
    Guid OrderId,
    decimal Amount,
    string Currency) : IIntegrationEvent;
