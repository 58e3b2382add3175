using Introserv.Orders.Features.Inventory;

namespace Introserv.Orders.Data;

// Reads and writes orders inside a transaction: row locks, status steps, the address pool.
internal static class OrderStore
{
    // The order, its row locked until the transaction ends (SELECT … FOR UPDATE), so a customer's action and
    // the lifecycle job never change one order at once. Null when the account has no such order.
    public static Task<Order?> LockAsync(
        this OrdersDbContext db, Guid orderId, Guid? accountId, CancellationToken cancellationToken) =>
        accountId is { } account
            ? db.Orders
                .FromSqlInterpolated($"""
                    SELECT * FROM orders WHERE "Id" = {orderId} AND "AccountId" = {account} FOR UPDATE
                    """)
                .SingleOrDefaultAsync(cancellationToken)
            : db.Orders
                .FromSqlInterpolated($"SELECT * FROM orders WHERE \"Id\" = {orderId} FOR UPDATE")
                .SingleOrDefaultAsync(cancellationToken);

    // Applies trigger (see OrderStateMachine) and stores the timeline step; false when the status refuses it.
    public static bool Move(this OrdersDbContext db, Order order, OrderTrigger trigger, DateTimeOffset at, string? note)
    {
        if (OrderStateMachine.Move(order, trigger, at, note) is not { } step)
        {
            return false;
        }

        db.StatusChanges.Add(step);
        return true;
    }

    // Whether the plan's terms refund unused days.
    public static Task<bool> RefundsUnusedDaysAsync(
        this OrdersDbContext db, string planId, CancellationToken cancellationToken) =>
        db.Plans.Where(p => p.Id == planId).Select(p => p.RefundsUnusedDays).SingleAsync(cancellationToken);

    // The order's unpaid invoices (of kind, or all) will never be paid: void.
    public static Task VoidUnpaidInvoicesAsync(
        this OrdersDbContext db, Guid orderId, CancellationToken cancellationToken, string? kind = null) =>
        db.Invoices
            .Where(i => i.OrderId == orderId && i.Status == InvoiceStatuses.Unpaid && (kind == null || i.Kind == kind))
            .ExecuteUpdateAsync(i => i.SetProperty(x => x.Status, InvoiceStatuses.Void), cancellationToken);

    // The service ended (cancelled or terminated): its address back in the pool, its unpaid invoices void.
    public static async Task EndServiceAsync(
        this OrdersDbContext db, Order order, DateTimeOffset at, CancellationToken cancellationToken)
    {
        order.EndedAt = at;
        await db.ReleaseAddressAsync(order.Id, cancellationToken);
        await db.VoidUnpaidInvoicesAsync(order.Id, cancellationToken);
    }
}
