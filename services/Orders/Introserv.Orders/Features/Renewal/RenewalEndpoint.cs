using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Introserv.Orders.Features.Balance;
using Introserv.Orders.Features.Invoices;
using Introserv.Orders.Features.PlaceOrder;
using Introserv.Orders.Features.Plans;
using Microsoft.AspNetCore.Mvc;

namespace Introserv.Orders.Features.Renewal;

public sealed record RenewRequest(
    [property: RequiredValue,
        Range(1, OrderRules.MaxPeriodMonths, ErrorMessage = "A number of months the plan offers.")]
    int? PeriodMonths);

// Renewal: a paid invoice for the chosen period at the plan's current price, charged from the balance at once
// (402 insufficient_balance otherwise, and nothing is left behind); paidUntil moves from the later of
// now and the current paidUntil; an overdue or suspended service is active again. Idempotent like ordering.
public static class RenewalEndpoint
{
    public static RouteGroupBuilder MapRenewal(this RouteGroupBuilder orders)
    {
        ArgumentNullException.ThrowIfNull(orders);
        orders.MapPost("/{id:guid}/renew", RenewAsync)
            .WithSummary("Renew an order for a billing period (Idempotency-Key header required)")
            .Answers<OrderResponse>(StatusCodes.Status200OK, [OrdersProblems.OrderNotFound,
                OrdersProblems.OrderNotRenewable, .. OrdersProblems.Payment, .. OrdersProblems.Keyed,
                OrdersProblems.ServiceUnavailable]);
        return orders;
    }

    private static async Task<Results<StoredAnswer, ProblemHttpResult>> RenewAsync(
        Guid id, RenewRequest request, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey,
        ClaimsPrincipal user, OrdersDbContext db, PlanCache plans, KeyedRequests keyed, OrderPlacement placement,
        Ledger ledger, InvoiceLinks links, TimeProvider clock, CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        var order = await db.Orders
            .AsNoTracking()
            .FirstOrDefaultAsync(o => o.Id == id && o.AccountId == accountId, cancellationToken);
        if (order is null)
        {
            return OrdersProblems.NoSuchOrder();
        }

        // Whether the order may be renewed is decided in the effect, with the order locked: a retry of a renewal that
        // went through answers the first answer even when the order has moved on since.
        var plan = await plans.GetAsync(db, order.PlanId, cancellationToken);
        var period = plan.Periods.FirstOrDefault(p => p.Months == request.PeriodMonths);
        if (period is null)
        {
            return FieldError.Result("periodMonths", OrderRules.PeriodMessage(plan));
        }

        TaxDecision? tax = null;
        return await keyed.RunAsync(new KeyedRequest(accountId, idempotencyKey, "renew",
            Idempotency.HashOf(new { id, request.PeriodMonths }), KeyRequired: true), async ct =>
        {
            var tracked = await db.LockAsync(id, accountId, ct);
            if (tracked is null || !OrderStateMachine.Allows(tracked.Status, OrderTrigger.Renewed))
            {
                return KeyedOutcome.Refused(NotRenewable(tracked?.Status));
            }

            var invoice = await RenewalCharge.ChargeAsync(
                db, ledger, links, clock, tracked, plan, period, tax!, "Renewed", ct);
            return invoice is null
                ? KeyedOutcome.Refused(OrdersProblems.NotCovered("the renewal"))
                : KeyedOutcome.Done(
                    StatusCodes.Status200OK, () => OrderActions.View(tracked, clock.Now(), invoice: invoice));
        }, cancellationToken, prepare: async ct =>
        {
            var billing = await placement.BillingAsync(accountId, ct);
            tax = billing.Tax;
            return billing.Blockers is { Count: > 0 } blocked ? OrdersProblems.Blocked(blocked) : null;
        });
    }

    private static ProblemHttpResult NotRenewable(string? status) =>
        OrdersProblems.OrderNotRenewable.Result($"An order in status '{status}' cannot be renewed.");
}
