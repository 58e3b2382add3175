using Introserv.Orders.Data;

namespace Introserv.Orders.Features;

/// <summary>What happens to an order: a customer's action or the lifecycle job's.</summary>
public enum OrderTrigger
{
    /// <summary>The order's first invoice was paid.</summary>
    Paid,

    Renewed,
    PlanChanged,

    /// <summary>Cancelled now (a refund of the unused days where the plan's terms give one).</summary>
    CancelledNow,

    /// <summary>Cancellation at the end of the paid term.</summary>
    CancellationScheduled,
    CancellationWithdrawn,

    /// <summary>The lifecycle job: paidUntil passed without a renewal.</summary>
    PaidUntilPassed,

    /// <summary>The lifecycle job: the overdue grace period ended.</summary>
    OverdueGraceEnded,

    /// <summary>The lifecycle job: the suspension grace period ended.</summary>
    SuspensionGraceEnded,

    /// <summary>The lifecycle job: a scheduled cancellation's term ended.</summary>
    TermEnded,

    /// <summary>The lifecycle job: an order was never paid within the payment window.</summary>
    PaymentWindowEnded,
}

/// <summary>
/// The order status machine: every status change goes through <see cref="Next"/>, and the actions a customer
/// is offered are the triggers the current status accepts.
/// <code>
/// pending_payment ─Paid→ active ─PaidUntilPassed→ overdue ─OverdueGraceEnded→ suspended ─SuspensionGraceEnded→ terminated
///        │                │  ↑ Renewed / PlanChanged   │ ↑                     │ ↑
///        │                │  └─────────────────────────┴─┴── Renewed ──────────┘ │
///        └─CancelledNow / PaymentWindowEnded→ cancelled ←─CancelledNow── active, overdue, suspended, pending_cancellation
///                         active ─CancellationScheduled→ pending_cancellation ─TermEnded→ cancelled
///                                ←─CancellationWithdrawn─┘
/// </code>
/// </summary>
public static class OrderStateMachine
{
    public static string? Next(string status, OrderTrigger trigger) => (status, trigger) switch
    {
        (OrderStatuses.PendingPayment, OrderTrigger.Paid) => OrderStatuses.Active,
        (OrderStatuses.PendingPayment, OrderTrigger.CancelledNow or OrderTrigger.PaymentWindowEnded) => OrderStatuses.Cancelled,

        (OrderStatuses.Active, OrderTrigger.Renewed or OrderTrigger.PlanChanged) => OrderStatuses.Active,
        (OrderStatuses.Active, OrderTrigger.PaidUntilPassed) => OrderStatuses.Overdue,
        (OrderStatuses.Active, OrderTrigger.CancelledNow) => OrderStatuses.Cancelled,
        (OrderStatuses.Active, OrderTrigger.CancellationScheduled) => OrderStatuses.PendingCancellation,

        (OrderStatuses.Overdue, OrderTrigger.Renewed) => OrderStatuses.Active,
        (OrderStatuses.Overdue, OrderTrigger.OverdueGraceEnded) => OrderStatuses.Suspended,
        (OrderStatuses.Overdue, OrderTrigger.CancelledNow) => OrderStatuses.Cancelled,

        (OrderStatuses.Suspended, OrderTrigger.Renewed) => OrderStatuses.Active,
        (OrderStatuses.Suspended, OrderTrigger.SuspensionGraceEnded) => OrderStatuses.Terminated,
        (OrderStatuses.Suspended, OrderTrigger.CancelledNow) => OrderStatuses.Cancelled,

        (OrderStatuses.PendingCancellation, OrderTrigger.CancellationWithdrawn) => OrderStatuses.Active,
        (OrderStatuses.PendingCancellation, OrderTrigger.TermEnded or OrderTrigger.CancelledNow) => OrderStatuses.Cancelled,

        _ => null,
    };

    public static bool Allows(string status, OrderTrigger trigger) => Next(status, trigger) is not null;

    /// <summary>Whether the order has ended (its address is back in the pool).</summary>
    public static bool IsFinal(string status) => status is OrderStatuses.Cancelled or OrderStatuses.Terminated;

    /// <summary>The customer's actions, in the order a panel shows them, and the trigger each one fires.</summary>
    public static readonly IReadOnlyList<(string Action, OrderTrigger Trigger)> CustomerActions =
    [
        ("pay", OrderTrigger.Paid),
        ("renew", OrderTrigger.Renewed),
        ("change_plan", OrderTrigger.PlanChanged),
        ("cancel", OrderTrigger.CancelledNow),
        ("withdraw_cancellation", OrderTrigger.CancellationWithdrawn),
    ];

    public static IReadOnlyList<string> ActionsFor(string status) =>
        [.. CustomerActions.Where(a => Allows(status, a.Trigger)).Select(a => a.Action)];

    /// <summary>
    /// Moves <paramref name="order"/> by <paramref name="trigger"/> (a new version) and returns the timeline step for
    /// the caller to store; null, and nothing changed, when the status does not accept the trigger.
    /// </summary>
    public static OrderStatusChange? Move(Order order, OrderTrigger trigger, DateTimeOffset at, string? note)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (Next(order.Status, trigger) is not { } next)
        {
            return null;
        }

        order.Status = next;
        order.Version++;
        return new OrderStatusChange { OrderId = order.Id, At = at, Status = next, Note = note };
    }
}
