using System.Security.Claims;

namespace Introserv.Orders.Features.OrderDetails;

// The order and invoice lists: newest first, ties broken by id, paged by an opaque nextCursor
// (see PageQuery).
internal static class OrderLists
{
    public static RouteGroupBuilder MapOrderLists(this RouteGroupBuilder orders)
    {
        orders.MapGet("/", ActiveAsync)
            .WithSummary("Active orders (not cancelled or terminated): plan, address, paidUntil, daysRemaining, " +
                "status, cost and the actions available; newest first, paged by nextCursor")
            .Answers<Page<OrderResponse>>(StatusCodes.Status200OK).Paged();
        orders.MapGet("/history", HistoryAsync)
            .WithSummary("Every order, finished ones too, newest first; filter by status and creation date " +
                "(from, to); paged by nextCursor")
            .Answers<Page<OrderResponse>>(StatusCodes.Status200OK).Paged();
        return orders;
    }

    private static Task<Results<Ok<Page<OrderResponse>>, ProblemHttpResult>> ActiveAsync(
        ClaimsPrincipal user, [AsParameters] PageQuery page, OrdersDbContext db, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        var query = db.Orders.AsNoTracking().Where(o =>
            o.AccountId == accountId && o.Status != OrderStatuses.Cancelled && o.Status != OrderStatuses.Terminated);
        return PageAsync(db, query, page, clock, cancellationToken);
    }

    private static Task<Results<Ok<Page<OrderResponse>>, ProblemHttpResult>> HistoryAsync(
        ClaimsPrincipal user, string? status, DateTimeOffset? from, DateTimeOffset? to, [AsParameters] PageQuery page,
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

        return PageAsync(db, query, page, clock, cancellationToken);
    }

    private static async Task<Results<Ok<Page<OrderResponse>>, ProblemHttpResult>> PageAsync(
        OrdersDbContext db, IQueryable<Order> query, PageQuery page, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (!page.TryRead(out (DateTimeOffset At, Guid Id)? before, out var problem))
        {
            return problem;
        }

        if (before is var (at, id))
        {
            query = query.Where(o => o.CreatedAt < at || (o.CreatedAt == at && o.Id.CompareTo(id) < 0));
        }

        var rows = await query
            .OrderByDescending(o => o.CreatedAt)
            .ThenByDescending(o => o.Id)
            .Take(page.Take + 1)
            .ToListAsync(cancellationToken);
        var now = clock.Now();
        var unpaid = await db.UnpaidInvoicesAsync(rows, cancellationToken);
        return TypedResults.Ok(page.PageOf(
            rows.Select(o => OrderActions.View(o, now, unpaidInvoiceId: unpaid.GetValueOrDefault(o.Id))).ToList(),
            o => PageCursor.Encode(o.CreatedAt, o.Id)));
    }
}
