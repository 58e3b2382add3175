using System.Security.Claims;
using Introserv.BuildingBlocks.Data;

namespace Introserv.Orders.Features.OrderDetails;

public sealed record AutoRenewRequest([property: RequiredValue(ErrorMessage = "true or false.")] bool? Enabled);

// One order with its timeline, and its automatic renewal setting.
public static class OrderEndpoints
{
    public static RouteGroupBuilder MapOrderDetails(this RouteGroupBuilder orders)
    {
        ArgumentNullException.ThrowIfNull(orders);
        orders.MapOrderLists();
        orders.MapGet("/{id:guid}", GetAsync).WithSummary("One order with its status timeline")
            .Answers<OrderResponse>(StatusCodes.Status200OK, OrdersProblems.OrderNotFound);
        orders.MapPut("/{id:guid}/auto-renew", AutoRenewAsync)
            .WithSummary("Turn automatic renewal on or off: when on, the lifecycle job renews for the order's period " +
                "at paidUntil if the balance covers it")
            .Answers<OrderResponse>(StatusCodes.Status200OK, OrdersProblems.OrderNotFound, OrdersProblems.OrderEnded);
        return orders;
    }

    private static async Task<Results<Ok<OrderResponse>, ProblemHttpResult>> GetAsync(
        Guid id, ClaimsPrincipal user, OrdersDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        var order = await db.Orders.AsNoTracking().Include(o => o.Timeline)
            .FirstOrDefaultAsync(o => o.Id == id && o.AccountId == accountId, cancellationToken);
        if (order is null)
        {
            return OrdersProblems.NoSuchOrder();
        }

        var unpaid = await db.UnpaidInvoicesAsync([order], cancellationToken);
        return TypedResults.Ok(
            OrderActions.View(order, clock.Now(), timeline: true, unpaidInvoiceId: unpaid.GetValueOrDefault(order.Id)));
    }

    private static async Task<Results<Ok<OrderResponse>, ProblemHttpResult>> AutoRenewAsync(
        Guid id, AutoRenewRequest request, ClaimsPrincipal user, OrdersDbContext db, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var enabled = request.Enabled!.Value;
        var accountId = user.AccountId();
        return await db.InTransactionAsync(async Task<Results<Ok<OrderResponse>, ProblemHttpResult>> (ct) =>
        {
            var order = await db.LockAsync(id, accountId, ct);
            if (order is null)
            {
                return OrdersProblems.NoSuchOrder();
            }

            if (OrderStateMachine.IsFinal(order.Status))
            {
                return OrdersProblems.OrderEnded.Result("The order has ended.");
            }

            if (order.AutoRenew != enabled)
            {
                order.AutoRenew = enabled;
                order.Version++;
            }

            var unpaid = await db.UnpaidInvoicesAsync([order], ct);
            return TypedResults.Ok(
                OrderActions.View(order, clock.Now(), unpaidInvoiceId: unpaid.GetValueOrDefault(order.Id)));
        }, cancellationToken);
    }
}
