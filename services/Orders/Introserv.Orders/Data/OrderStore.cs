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

    // A new order's number, from the orders."Number" identity sequence (gaps from rolled-back orders are harmless: the
    // number only has to be unique and short), and its invoice's number in the invoice series of the year issuedAt
    // falls in (InvoiceNumbers), in one statement. The series' counter row stays locked until the transaction ends and
    // every other invoice of the year waits for it: take the numbers last, just before the final write and the commit.
    public static async Task<(long Order, string Invoice)> TakeNumbersAsync(
        this OrdersDbContext db, DateTimeOffset issuedAt, CancellationToken cancellationToken)
    {
        var year = issuedAt.UtcDateTime.Year;
        var taken = await db.Database.SqlQuery<TakenNumbers>($"""
            WITH counter AS (
                INSERT INTO invoice_number_counters ("Year", "Last") VALUES ({year}, 1)
                ON CONFLICT ("Year") DO UPDATE SET "Last" = invoice_number_counters."Last" + 1
                RETURNING "Last")
            SELECT nextval(pg_get_serial_sequence('orders', 'Number')) AS "Order", counter."Last" AS "Invoice"
            FROM counter
            """).ToListAsync(cancellationToken);
        return (taken[0].Order, InvoiceNumbers.Format(year, taken[0].Invoice));
    }

    // The unpaid invoice of each order that can have one (waiting for its first payment, or overdue or suspended with
    // its renewal invoice), by order id; one query for a page, none when no order of it can have one.
    public static async Task<Dictionary<Guid, Guid?>> UnpaidInvoicesAsync(
        this OrdersDbContext db, IReadOnlyCollection<Order> orders, CancellationToken cancellationToken)
    {
        var ids = orders
            .Where(o => o.Status is OrderStatuses.PendingPayment or OrderStatuses.Overdue or OrderStatuses.Suspended)
            .Select(o => o.Id)
            .ToList();
        if (ids.Count == 0)
        {
            return [];
        }

        var unpaid = await db.Invoices.AsNoTracking()
            .Where(i => ids.Contains(i.OrderId) && i.Status == InvoiceStatuses.Unpaid)
            .OrderBy(i => i.IssuedAt)
            .Select(i => new { i.OrderId, i.Id })
            .ToListAsync(cancellationToken);
        // The newest one, should an order have more than one.
        return unpaid.GroupBy(i => i.OrderId).ToDictionary(g => g.Key, g => (Guid?)g.Last().Id);
    }

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

internal sealed class TakenNumbers
{
    public long Order { get; set; }

    public long Invoice { get; set; }
}
