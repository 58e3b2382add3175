namespace Introserv.Orders.Data;

public static class OrderStatuses
{
    public const string PendingPayment = "pending_payment";
    public const string Active = "active";
    public const string Overdue = "overdue";
    public const string Suspended = "suspended";
    public const string PendingCancellation = "pending_cancellation";
    public const string Cancelled = "cancelled";
    public const string Terminated = "terminated";
}

/// <summary>A service a customer ordered: plan, period, address, how long it is paid for.</summary>
public sealed class Order
{
    public Guid Id { get; set; }

    public Guid AccountId { get; set; }

    public required string PlanId { get; set; }

    public int PeriodMonths { get; set; }

    public required string Status { get; set; }

    public string? IpAddress { get; set; }

    public DateTimeOffset? PaidUntil { get; set; }

    /// <summary>The price of one period when ordered (later price changes do not touch it).</summary>
    public decimal PeriodPrice { get; set; }

    public required string Currency { get; set; }

    public bool AutoRenew { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? ActivatedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public int Version { get; set; }

    public List<OrderStatusChange> Timeline { get; set; } = [];
}

/// <summary>One step of an order's status timeline.</summary>
public sealed class OrderStatusChange
{
    public long Id { get; set; }

    public Guid OrderId { get; set; }

    public DateTimeOffset At { get; set; }

    public required string Status { get; set; }

    public string? Note { get; set; }
}

public static class InvoiceStatuses
{
    public const string Unpaid = "unpaid";
    public const string Paid = "paid";
}

/// <summary>A charge: a new order, a renewal or an upgrade. Paid from the balance.</summary>
public sealed class Invoice
{
    public Guid Id { get; set; }

    public Guid AccountId { get; set; }

    public Guid OrderId { get; set; }

    /// <summary><c>new_order</c>, <c>renewal</c>, <c>upgrade</c>.</summary>
    public required string Kind { get; set; }

    public required string Description { get; set; }

    public decimal Amount { get; set; }

    public required string Currency { get; set; }

    public required string Status { get; set; }

    public DateTimeOffset IssuedAt { get; set; }

    public DateTimeOffset? PaidAt { get; set; }
}

/// <summary>An address of the pool; <see cref="OrderId"/> is set while a service uses it.</summary>
public sealed class PoolAddress
{
    public required string Address { get; set; }

    public Guid? OrderId { get; set; }

    public DateTimeOffset? AssignedAt { get; set; }
}

/// <summary>A request made with an Idempotency-Key: its body's hash and, once done, its response.</summary>
public sealed class IdempotencyRecord
{
    public Guid AccountId { get; set; }

    public required string Key { get; set; }

    public required string Operation { get; set; }

    public required string RequestHash { get; set; }

    public int? ResponseStatus { get; set; }

    public string? ResponseBody { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
