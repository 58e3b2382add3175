using Introserv.Contracts;

namespace Introserv.Orders.Contracts;

/// <summary>
/// An order was renewed for <paramref name="PeriodMonths"/> months; it is paid until <paramref name="PaidUntil"/>.
/// </summary>
public sealed record OrderRenewed(
    Guid EventId,
    DateTimeOffset OccurredAt,
    Guid AccountId,
    Guid OrderId,
    int PeriodMonths,
    decimal Amount,
    string Currency,
    DateTimeOffset PaidUntil,
    long? OrderNumber = null,
    string? PlanName = null) : IIntegrationEvent;
