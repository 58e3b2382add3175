using Microsoft.AspNetCore.Http.HttpResults;
using Introserv.ServiceDefaults;
using System.Security.Claims;
using Grpc.Core;
using Introserv.BuildingBlocks.Data;
using Introserv.Orders.Data;
using Introserv.Orders.Money;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Orders.Features;

public static class OrderEndpoints
{
    public static IEndpointRouteBuilder MapOrderEndpoints(this IEndpointRouteBuilder app)
    {
        var orders = app.MapGroup("/api/orders").WithTags("Orders").RequireAuthorization();
        orders.MapPost("/", PlaceAsync)
            .WithSummary("Order a plan for a billing period (Idempotency-Key header required)")
            .WithDescription("201: active with an address and paidUntil when paid from the balance at once; otherwise pending_payment with an unpaid invoice " +
                "(paymentBlockedReasons says why when the profile does not allow payment).")
            .Answers<OrderResponse>(StatusCodes.Status201Created, [.. OrdersProblems.Keyed, OrdersProblems.AddressPoolExhausted, OrdersProblems.ServiceUnavailable]);
        orders.MapOrderLists();
        orders.MapGet("/{id:guid}", GetAsync).WithSummary("One order with its status timeline").Answers<OrderResponse>(StatusCodes.Status200OK, OrdersProblems.OrderNotFound);
        orders.MapPut("/{id:guid}/auto-renew", AutoRenewAsync)
            .WithSummary("Turn automatic renewal on or off: when on, the lifecycle job renews for the order's period at paidUntil if the balance covers it")
            .Answers<OrderResponse>(StatusCodes.Status200OK, OrdersProblems.OrderNotFound, OrdersProblems.OrderEnded);
        orders.MapRenewal();
        orders.MapPlanChanges();
        orders.MapCancellations();
        var invoices = app.MapGroup("/api/invoices").WithTags("Invoices").RequireAuthorization();
        invoices.MapInvoiceList();
        invoices.MapPost("/{id:guid}/pay", PayAsync)
            .WithSummary("Pay an unpaid invoice from the balance (an optional Idempotency-Key makes a retry answer the first answer)")
            .Answers<OrderResponse>(StatusCodes.Status200OK,
                [OrdersProblems.InvoiceNotFound, OrdersProblems.InvoiceAlreadyPaid, OrdersProblems.InvoiceVoid, OrdersProblems.AddressPoolExhausted, .. OrdersProblems.Payment, .. OrdersProblems.Keyed, OrdersProblems.ServiceUnavailable]);
        return app;
    }


    private static async Task<Results<StoredAnswer, ProblemHttpResult>> PlaceAsync(
        PlaceOrderRequest request, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey, ClaimsPrincipal user,
        OrdersDbContext db, KeyedRequests keyed, OrderPlacement placement, TimeProvider clock, CancellationToken cancellationToken)
    {
        var plan = request.PlanId is null ? null : await db.Plans.AsNoTracking().Include(p => p.Periods).FirstOrDefaultAsync(p => p.Id == request.PlanId && p.Active, cancellationToken);
        // Validation has checked the shape; whether the catalogue offers the plan and period is known only here.
        if (plan is null)
        {
            return FieldError.Result("planId", OrderRules.PlanIdMessage);
        }

        var period = plan.Periods.FirstOrDefault(p => p.Months == request.PeriodMonths);
        if (period is null)
        {
            return FieldError.Result("periodMonths", OrderRules.PeriodMessage(plan));
        }

        var accountId = user.AccountId();
        IReadOnlyList<string> blocked = [];
        try
        {
            return await keyed.RunAsync(
                new KeyedRequest(accountId, idempotencyKey, "place_order", Idempotency.HashOf(request), KeyRequired: true),
                async ct =>
                {
                    var (order, invoice) = await placement.PlaceAsync(accountId, plan, period, request.AutoRenew ?? false, blocked.Count == 0, ct);
                    return KeyedOutcome.Done(StatusCodes.Status201Created, OrderActions.View(order, clock.GetUtcNow(), blocked, invoice), $"/api/orders/{order.Id}");
                },
                cancellationToken,
                prepare: async ct =>
                {
                    blocked = await placement.PaymentBlockersAsync(accountId, ct);
                    return null;
                });
        }
        catch (AddressPoolExhaustedException)
        {
            return OrdersProblems.PoolExhausted();
        }
        catch (RpcException)
        {
            return OrdersProblems.ServiceUnavailable.Result("Payment eligibility could not be checked; nothing was ordered. Try again shortly.");
        }
    }

    private static async Task<Results<Ok<OrderResponse>, ProblemHttpResult>> GetAsync(Guid id, ClaimsPrincipal user, OrdersDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        var order = await db.Orders.AsNoTracking().Include(o => o.Timeline).FirstOrDefaultAsync(o => o.Id == id && o.AccountId == accountId, cancellationToken);
        return order is null
            ? OrdersProblems.NoSuchOrder()
            : TypedResults.Ok(OrderActions.View(order, clock.GetUtcNow(), timeline: true));
    }

    private static async Task<Results<Ok<OrderResponse>, ProblemHttpResult>> AutoRenewAsync(
        Guid id, AutoRenewRequest request, ClaimsPrincipal user, OrdersDbContext db, TimeProvider clock, CancellationToken cancellationToken)
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

            return TypedResults.Ok(OrderActions.View(order, clock.GetUtcNow()));
        }, cancellationToken);
    }

    private static async Task<Results<StoredAnswer, ProblemHttpResult>> PayAsync(
        Guid id, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey, ClaimsPrincipal user, OrdersDbContext db, KeyedRequests keyed,
        OrderPlacement placement, Ledger ledger, TimeProvider clock, CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        try
        {
            return await keyed.RunAsync(new KeyedRequest(accountId, idempotencyKey, "pay_invoice", Idempotency.HashOf(new { id }), KeyRequired: false), async ct =>
            {
                // The order's row, then the invoice's, are locked (always in that order, as cancellation does), so two
                // payments of one invoice cannot both charge and a cancellation cannot slip in between.
                var orderId = await db.Invoices.Where(i => i.Id == id && i.AccountId == accountId).Select(i => (Guid?)i.OrderId).SingleOrDefaultAsync(ct);
                var order = orderId is { } known ? await db.LockAsync(known, accountId, ct) : null;
                var invoice = order is null ? null : await db.Invoices.FromSqlInterpolated($"SELECT * FROM invoices WHERE \"Id\" = {id} FOR UPDATE").SingleAsync(ct);
                if (invoice is null || order is null)
                {
                    return KeyedOutcome.Refused(OrdersProblems.InvoiceNotFound.Result("No such invoice for this account."));
                }

                if (invoice.Status == InvoiceStatuses.Paid)
                {
                    return KeyedOutcome.Refused(OrdersProblems.InvoiceAlreadyPaid.Result("This invoice is paid."));
                }

                var renewal = invoice.Kind == RenewalCharge.Kind;
                if (invoice.Status == InvoiceStatuses.Void || !OrderStateMachine.Allows(order.Status, renewal ? OrderTrigger.Renewed : OrderTrigger.Paid))
                {
                    return KeyedOutcome.Refused(OrdersProblems.InvoiceVoid.Result("This invoice's order was cancelled; it cannot be paid."));
                }

                var paid = renewal
                    ? await RenewalCharge.PayAsync(db, ledger, clock, order, invoice, order.PeriodMonths, "Renewal invoice paid", ct)
                    : await placement.PayAsync(order, invoice, ct);
                return paid
                    ? KeyedOutcome.Done(StatusCodes.Status200OK, OrderActions.View(order, clock.GetUtcNow(), invoice: invoice))
                    : KeyedOutcome.Refused(OrdersProblems.NotCovered("this invoice"));
            }, cancellationToken, prepare: async ct => await placement.PaymentBlockersAsync(accountId, ct) is { Count: > 0 } blocked ? OrdersProblems.Blocked(blocked) : null);
        }
        catch (AddressPoolExhaustedException)
        {
            return OrdersProblems.PoolExhausted();
        }
    }
}
