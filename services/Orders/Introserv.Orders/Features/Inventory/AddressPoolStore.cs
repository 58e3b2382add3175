namespace Introserv.Orders.Features.Inventory;

// The pool's writes, each one statement, so concurrent orders and staff changes never interleave badly.
public static class AddressPoolStore
{
    // Adds the range's addresses that are not in the pool yet; returns how many were added.
    public static async Task<int> AddAddressesAsync(
        this OrdersDbContext db, AddressRange range, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(range);
        var addresses = range.Addresses().ToArray();
        return await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO address_pool ("Address", "AddedAt") SELECT a, {now} FROM unnest({addresses}) AS a
            ON CONFLICT ("Address") DO NOTHING
            """, cancellationToken);
    }

    // Takes a free address that is not retired for the order (one statement: a concurrent order skips the row
    // being taken), or null when none is left.
    public static async Task<string?> TakeAddressAsync(
        this OrdersDbContext db, Guid orderId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var address = await db.Database.SqlQuery<string>($"""
            UPDATE address_pool SET "OrderId" = {orderId}, "AssignedAt" = {now}
            WHERE "Address" = (SELECT "Address" FROM address_pool WHERE "OrderId" IS NULL AND "RetiredAt" IS NULL
                               ORDER BY "Address" LIMIT 1 FOR UPDATE SKIP LOCKED)
            RETURNING "Address" AS "Value"
            """).ToListAsync(cancellationToken);
        return address.Count == 0 ? null : address[0];
    }

    // Returns the order's address to the pool (the service ended); a retired one is not handed out again.
    public static Task ReleaseAddressAsync(
        this OrdersDbContext db, Guid orderId, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlInterpolatedAsync(
            $"UPDATE address_pool SET \"OrderId\" = NULL, \"AssignedAt\" = NULL WHERE \"OrderId\" = {orderId}",
            cancellationToken);
}
