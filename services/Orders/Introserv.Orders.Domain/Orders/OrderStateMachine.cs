
namespace Introserv.Orders.Domain;

// What happens to an order: a customer's action or the lifecycle job's.
public enum OrderTrigger
{
    // The order's first invoice was paid.
    Paid,

    Renewed,
    PlanChanged,

    // Cancelled now (a refund of the unused days where the plan's terms give one).
    CancelledNow,

    // Cancellation at the end of the paid term.
    CancellationScheduled,
    CancellationWithdrawn,

    // The lifecycle job: paidUntil passed without a renewal.
    PaidUntilPassed,

    // The lifecycle job: the overdue grace period ended.
    OverdueGraceEnded,

    // The lifecycle job: the suspension grace period ended.
    SuspensionGraceEnded,

    // The lifecycle job: a scheduled cancellation's term ended.
    TermEnded,

    // The lifecycle job: an order was never paid within the payment window.
    PaymentWindowEnded,
}

// The order status machine: every status change goes through Next, and the actions a customer
// is offered are the triggers the current status accepts.
//   pending_payment ─Paid→ active
//   active ─PaidUntilPassed→ overdue ─OverdueGraceEnded→ suspended ─SuspensionGraceEnded→ terminated
//   active ─Renewed / PlanChanged→ active; overdue, suspended ─Renewed→ active
//   pending_payment ─CancelledNow / PaymentWindowEnded→ cancelled
//   active, overdue, suspended, pending_cancellation ─CancelledNow→ cancelled
//   active ─CancellationScheduled→ pending_cancellation ─TermEnded→ cancelled
//   pending_cancellation ─CancellationWithdrawn→ active
public static class OrderStateMachine
{
    public static string? Next(string status, OrderTrigger trigger) => (status, trigger) switch
    {
        (OrderStatuses.PendingPayment, OrderTrigger.Paid) => OrderStatuses.Active,
        (OrderStatuses.PendingPayment, OrderTrigger.CancelledNow or OrderTrigger.PaymentWindowEnded) =>
            OrderStatuses.Cancelled,

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
        (OrderStatuses.PendingCancellation, OrderTrigger.TermEnded or OrderTrigger.CancelledNow) =>
            OrderStatuses.Cancelled,

        _ => null,
    };

    public static bool Allows(string status, OrderTrigger trigger) => Next(status, trigger) is not null;

    // Whether the order has ended (its address is back in the pool).
    public static bool IsFinal(string status) => status is OrderStatuses.Cancelled or OrderStatuses.Terminated;

    // The customer's actions, in the order a panel shows them, and the trigger each one fires.
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

    // Moves order by trigger (a new version) and returns the timeline step for
    // the caller to store; null, and nothing changed, when the status does not accept the trigger.
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
