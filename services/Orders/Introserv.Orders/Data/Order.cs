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

    /// <summary>Start of the span the order is paid for (up to <see cref="PaidUntil"/>); see <c>Proration</c>.</summary>
    public DateTimeOffset? TermStart { get; set; }

    /// <summary>What was paid for the span (period prices, never the setup fee), less credits already given.</summary>
    public decimal TermValue { get; set; }

    /// <summary>The part of <see cref="TermValue"/> paid under terms that refund unused days (the most a cancellation can give back).</summary>
    public decimal RefundableValue { get; set; }

    /// <summary>The price of one period when ordered (later price changes do not touch it).</summary>
    public decimal PeriodPrice { get; set; }

    public required string Currency { get; set; }

    public bool AutoRenew { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? ActivatedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>Why the customer cancelled (optional), and when they asked.</summary>
    public string? CancellationReason { get; set; }

    public DateTimeOffset? CancellationRequestedAt { get; set; }

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

    /// <summary>Never to be paid: its order was cancelled before payment.</summary>
    public const string Void = "void";
}

public static class QuoteKinds
{
    public const string PlanChange = "plan_change";
    public const string Cancellation = "cancellation";
}

/// <summary>
/// A price shown before the customer confirms (a plan change or an immediate cancellation): valid 15 minutes,
/// for the order as it was (its version), confirmed at most once for exactly <see cref="Amount"/>.
/// </summary>
public sealed class Quote
{
    public Guid Id { get; set; }

    public Guid AccountId { get; set; }

    public Guid OrderId { get; set; }

    public required string Kind { get; set; }

    /// <summary>The plan to change to (plan changes).</summary>
    public string? TargetPlanId { get; set; }

    /// <summary>Plan change: positive charged, negative credited. Cancellation: the refund (zero or positive).</summary>
    public decimal Amount { get; set; }

    public required string Currency { get; set; }

    public int UnusedDays { get; set; }

    /// <summary>The order's new paid span value after a plan change.</summary>
    public decimal NewTermValue { get; set; }

    /// <summary>The part of <see cref="NewTermValue"/> that stays refundable after a plan change.</summary>
    public decimal NewRefundableValue { get; set; }

    public DateTimeOffset? NewTermStart { get; set; }

    public int OrderVersion { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? ConfirmedAt { get; set; }
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
/// <summary>
/// An address the provider owns for services: free, held by an order, or retired (never handed out again; a
/// retired address an order holds stays with it until the service ends).
/// </summary>
public sealed class PoolAddress
{
    public required string Address { get; set; }

    public Guid? OrderId { get; set; }

    public DateTimeOffset? AssignedAt { get; set; }

    public DateTimeOffset AddedAt { get; set; }

    public DateTimeOffset? RetiredAt { get; set; }
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
