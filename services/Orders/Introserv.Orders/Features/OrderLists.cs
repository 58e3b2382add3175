using Introserv.ServiceDefaults;
using System.Security.Claims;
using Introserv.Orders.Data;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Orders.Features;

/// <summary>
/// The order and invoice lists: newest first, ties broken by id, paged by an opaque <c>nextBefore</c> cursor
/// (see <see cref="PageCursor"/>); <c>limit</c> 1..100 (default 50).
/// </summary>
internal static class OrderLists
{
    public static RouteGroupBuilder MapOrderLists(this RouteGroupBuilder orders)
    {
        orders.MapGet("/", ActiveAsync)
            .WithSummary("Active orders (not cancelled or terminated): plan, address, paidUntil, daysRemaining, status, cost and the actions available; newest first, paged by nextBefore")
            .WithDescription("400 validation_failed (limit), 400 invalid_cursor (before is not a nextBefore value).")
            .Answers<OrderPage>(StatusCodes.Status200OK, 400);
        orders.MapGet("/history", HistoryAsync)
            .WithSummary("Every order, finished ones too, newest first; filter by status and creation date (from, to); paged by nextBefore")
            .WithDescription("400 validation_failed (limit), 400 invalid_cursor (before is not a nextBefore value).")
            .Answers<OrderPage>(StatusCodes.Status200OK, 400);
        return orders;
    }

    public static RouteGroupBuilder MapInvoiceList(this RouteGroupBuilder invoices)
    {
        invoices.MapGet("/", InvoicesAsync).WithSummary("Invoices, newest first; filter by status (unpaid, paid, void); paged by nextBefore")
            .WithDescription("400 validation_failed (limit), 400 invalid_cursor (before is not a nextBefore value).")
            .Answers<InvoicePage>(StatusCodes.Status200OK, 400);
        return invoices;
    }

    private static Task<IResult> ActiveAsync(ClaimsPrincipal user, string? before, int? limit, OrdersDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        var query = db.Orders.AsNoTracking().Where(o => o.AccountId == accountId && o.Status != OrderStatuses.Cancelled && o.Status != OrderStatuses.Terminated);
        return PageAsync(query, before, limit, clock, cancellationToken);
    }

    private static Task<IResult> HistoryAsync(
        ClaimsPrincipal user, string? status, DateTimeOffset? from, DateTimeOffset? to, string? before, int? limit,
        OrdersDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        var query = db.Orders.AsNoTracking().Where(o => o.AccountId == accountId);
        if (!string.IsNullOrEmpty(status))
        {
            query = query.Where(o => o.Status == status);
        }

        if (from is { } since)
        {
            query = query.Where(o => o.CreatedAt >= since);
        }

        if (to is { } until)
        {
            query = query.Where(o => o.CreatedAt < until);
        }

        return PageAsync(query, before, limit, clock, cancellationToken);
    }

    private static async Task<IResult> PageAsync(IQueryable<Order> query, string? before, int? limit, TimeProvider clock, CancellationToken cancellationToken)
    {
        var cursorValid = PageCursor.TryDecode(before, out var at, out var id) || before is null;
        if (PageCursor.Check(limit, cursorValid) is { } problem)
        {
            return problem;
        }

        if (before is not null)
        {
            query = query.Where(o => o.CreatedAt < at || (o.CreatedAt == at && o.Id.CompareTo(id) < 0));
        }

        var take = limit ?? PageCursor.DefaultLimit;
        var page = await query.OrderByDescending(o => o.CreatedAt).ThenByDescending(o => o.Id).Take(take + 1).ToListAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var entries = page.Take(take).Select(o => OrderActions.View(o, now)).ToList();
        return TypedResults.Ok(new OrderPage(entries, page.Count > take ? PageCursor.Encode(entries[^1].CreatedAt, entries[^1].Id) : null));
    }

    private static async Task<IResult> InvoicesAsync(
        ClaimsPrincipal user, string? status, string? before, int? limit, OrdersDbContext db, CancellationToken cancellationToken)
    {
        var cursorValid = PageCursor.TryDecode(before, out var at, out var id) || before is null;
        if (PageCursor.Check(limit, cursorValid) is { } problem)
        {
            return problem;
        }

        var accountId = user.AccountId();
        var query = db.Invoices.AsNoTracking().Where(i => i.AccountId == accountId);
        if (!string.IsNullOrEmpty(status))
        {
            query = query.Where(i => i.Status == status);
        }

        if (before is not null)
        {
            query = query.Where(i => i.IssuedAt < at || (i.IssuedAt == at && i.Id.CompareTo(id) < 0));
        }

        var take = limit ?? PageCursor.DefaultLimit;
        var page = await query.OrderByDescending(i => i.IssuedAt).ThenByDescending(i => i.Id).Take(take + 1).ToListAsync(cancellationToken);
        var entries = page.Take(take).Select(OrderActions.View).ToList();
        return TypedResults.Ok(new InvoicePage(entries, page.Count > take ? PageCursor.Encode(entries[^1].IssuedAt, entries[^1].Id) : null));
    }
}
