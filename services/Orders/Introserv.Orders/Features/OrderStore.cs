using Introserv.Orders.Data;
using Introserv.Orders.Features.Inventory;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Orders.Features;

/// <summary>Reads and writes orders inside a transaction: row locks, status steps, the address pool.</summary>
internal static class OrderStore
{
    /// <summary>
    /// The order, its row locked until the transaction ends (<c>SELECT … FOR UPDATE</c>), so a customer's action and
    /// the lifecycle job never change one order at once. Null when the account has no such order.
    /// </summary>
    public static Task<Order?> LockAsync(this OrdersDbContext db, Guid orderId, Guid? accountId, CancellationToken cancellationToken) =>
        accountId is { } account
            ? db.Orders.FromSqlInterpolated($"SELECT * FROM orders WHERE \"Id\" = {orderId} AND \"AccountId\" = {account} FOR UPDATE").SingleOrDefaultAsync(cancellationToken)
            : db.Orders.FromSqlInterpolated($"SELECT * FROM orders WHERE \"Id\" = {orderId} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);

    /// <summary>Applies <paramref name="trigger"/> (see <see cref="OrderStateMachine"/>) and stores the timeline step; false when the status refuses it.</summary>
    public static bool Move(this OrdersDbContext db, Order order, OrderTrigger trigger, DateTimeOffset at, string? note)
    {
        if (OrderStateMachine.Move(order, trigger, at, note) is not { } step)
        {
            return false;
        }

        db.StatusChanges.Add(step);
        return true;
    }

    /// <summary>Whether the plan's terms refund unused days.</summary>
    public static Task<bool> RefundsUnusedDaysAsync(this OrdersDbContext db, string planId, CancellationToken cancellationToken) =>
        db.Plans.Where(p => p.Id == planId).Select(p => p.RefundsUnusedDays).SingleAsync(cancellationToken);

    /// <summary>The order's unpaid invoices (of <paramref name="kind"/>, or all) will never be paid: <c>void</c>.</summary>
    public static Task VoidUnpaidInvoicesAsync(this OrdersDbContext db, Guid orderId, CancellationToken cancellationToken, string? kind = null) =>
        db.Invoices.Where(i => i.OrderId == orderId && i.Status == InvoiceStatuses.Unpaid && (kind == null || i.Kind == kind))
            .ExecuteUpdateAsync(i => i.SetProperty(x => x.Status, InvoiceStatuses.Void), cancellationToken);

    /// <summary>The service ended (cancelled or terminated): its address back in the pool, its unpaid invoices void.</summary>
    public static async Task EndServiceAsync(this OrdersDbContext db, Order order, DateTimeOffset at, CancellationToken cancellationToken)
    {
        order.EndedAt = at;
        await db.ReleaseAddressAsync(order.Id, cancellationToken);
        await db.VoidUnpaidInvoicesAsync(order.Id, cancellationToken);
    }
}
