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
    public const int MaxLimit = 100;

    public static IEndpointRouteBuilder MapOrderEndpoints(this IEndpointRouteBuilder app)
    {
        var orders = app.MapGroup("/api/orders").WithTags("Orders").RequireAuthorization();
        orders.MapPost("/", PlaceAsync)
            .WithSummary("Order a plan for a billing period (Idempotency-Key header required)")
            .WithDescription("201: active with an address and paidUntil when paid from the balance at once; otherwise pending_payment with an unpaid invoice " +
                "(paymentBlockedReasons says why when the profile does not allow payment). 400 validation_failed / idempotency_key_required, " +
                "422 idempotency_key_reused, 409 idempotency_request_in_progress, 503 address_pool_exhausted.")
            .Answers<OrderResponse>(StatusCodes.Status201Created, 400, 409, 422, 503);
        orders.MapGet("/", ActiveAsync).WithSummary("Active orders: plan, address, paidUntil, daysRemaining, status, cost and the actions available")
            .Answers<List<OrderResponse>>(StatusCodes.Status200OK);
        orders.MapGet("/history", HistoryAsync).WithSummary("Every order, finished ones too, newest first; filter by status and creation date (from, to); paged by nextBefore")
            .Answers<OrderPage>(StatusCodes.Status200OK, 400);
        orders.MapGet("/{id:guid}", GetAsync).WithSummary("One order with its status timeline").Answers<OrderResponse>(StatusCodes.Status200OK, 404);
        orders.MapPut("/{id:guid}/auto-renew", AutoRenewAsync)
            .WithSummary("Turn automatic renewal on or off: when on, the lifecycle job renews for the order's period at paidUntil if the balance covers it")
            .WithDescription("404 order_not_found, 409 order_ended.")
            .Answers<OrderResponse>(StatusCodes.Status200OK, 400, 404, 409);
        orders.MapRenewal();
        orders.MapPlanChanges();
        orders.MapCancellations();
        var invoices = app.MapGroup("/api/invoices").WithTags("Invoices").RequireAuthorization();
        invoices.MapGet("/", InvoicesAsync).WithSummary("Invoices, newest first; filter by status (unpaid, paid, void); paged by nextBefore")
            .Answers<InvoicePage>(StatusCodes.Status200OK, 400);
        invoices.MapPost("/{id:guid}/pay", PayAsync)
            .WithSummary("Pay an unpaid invoice from the balance")
            .WithDescription("403 payment_blocked_<reason> (company_unverified, postal_address_incomplete, ...), 402 insufficient_balance, 409 invoice_already_paid / invoice_void, 404 invoice_not_found.")
            .Answers<OrderResponse>(StatusCodes.Status200OK, 402, 403, 404, 409, 503);
        return app;
    }

    private static Guid AccountId(ClaimsPrincipal user) => MoneyEndpoints.AccountId(user);

    private static async Task<IResult> PlaceAsync(
        PlaceOrderRequest request, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey, ClaimsPrincipal user,
        OrdersDbContext db, Idempotency idempotency, OrderPlacement placement, TimeProvider clock, CancellationToken cancellationToken)
    {
        var plan = request.PlanId is null ? null : await db.Plans.AsNoTracking().Include(p => p.Periods).FirstOrDefaultAsync(p => p.Id == request.PlanId && p.Active, cancellationToken);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (plan is null)
        {
            errors["planId"] = ["A plan id from GET /api/plans."];
        }

        var period = plan?.Periods.FirstOrDefault(p => p.Months == request.PeriodMonths);
        if (plan is not null && period is null)
        {
            errors["periodMonths"] = [$"One of {string.Join(", ", plan.Periods.Select(p => p.Months).Order())} for this plan."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var accountId = AccountId(user);
        var answer = await idempotency.BeginAsync(accountId, idempotencyKey, "place_order", Idempotency.HashOf(request), cancellationToken);
        if (answer is not null)
        {
            return answer;
        }

        try
        {
            var blocked = await placement.PaymentBlockersAsync(accountId, cancellationToken);
            var (order, invoice) = await placement.PlaceAsync(accountId, plan!, period!, request.AutoRenew ?? false, blocked.Count == 0, cancellationToken);
            var body = OrderActions.View(order, clock.GetUtcNow(), blocked, invoice);
            await idempotency.CompleteAsync(accountId, idempotencyKey!, StatusCodes.Status201Created, body, cancellationToken);
            return TypedResults.Created($"/api/orders/{order.Id}", body);
        }
        catch (AddressPoolExhaustedException)
        {
            await idempotency.AbandonAsync(accountId, idempotencyKey!);
            return Idempotency.Problem(StatusCodes.Status503ServiceUnavailable, "address_pool_exhausted", "No free address",
                "No IP address is free for a new service right now; nothing was charged. Try again later or contact support.");
        }
        catch (RpcException)
        {
            await idempotency.AbandonAsync(accountId, idempotencyKey!);
            return Idempotency.Problem(StatusCodes.Status503ServiceUnavailable, "service_unavailable", "Try again",
                "Payment eligibility could not be checked; nothing was ordered. Try again shortly.");
        }
        catch
        {
            await idempotency.AbandonAsync(accountId, idempotencyKey!);
            throw;
        }
    }

    private static async Task<IResult> ActiveAsync(ClaimsPrincipal user, OrdersDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var accountId = AccountId(user);
        var now = clock.GetUtcNow();
        var orders = await db.Orders.AsNoTracking()
            .Where(o => o.AccountId == accountId && o.Status != OrderStatuses.Cancelled && o.Status != OrderStatuses.Terminated)
            .OrderByDescending(o => o.CreatedAt).ToListAsync(cancellationToken);
        return TypedResults.Ok(orders.Select(o => OrderActions.View(o, now)).ToList());
    }

    private static async Task<IResult> HistoryAsync(
        ClaimsPrincipal user, string? status, DateTimeOffset? from, DateTimeOffset? to, DateTimeOffset? before, int? limit,
        OrdersDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxLimit)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"Between 1 and {MaxLimit}."] });
        }

        var accountId = AccountId(user);
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

        if (before is { } cursor)
        {
            query = query.Where(o => o.CreatedAt < cursor);
        }

        var take = limit ?? 50;
        var page = await query.OrderByDescending(o => o.CreatedAt).Take(take + 1).ToListAsync(cancellationToken);
        var more = page.Count > take;
        var now = clock.GetUtcNow();
        var entries = page.Take(take).Select(o => OrderActions.View(o, now)).ToList();
        return TypedResults.Ok(new OrderPage(entries, more ? entries[^1].CreatedAt : null));
    }

    private static async Task<IResult> GetAsync(Guid id, ClaimsPrincipal user, OrdersDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var accountId = AccountId(user);
        var order = await db.Orders.AsNoTracking().Include(o => o.Timeline).FirstOrDefaultAsync(o => o.Id == id && o.AccountId == accountId, cancellationToken);
        return order is null
            ? OrderProblems.OrderNotFound()
            : TypedResults.Ok(OrderActions.View(order, clock.GetUtcNow(), timeline: true));
    }

    private static async Task<IResult> InvoicesAsync(
        ClaimsPrincipal user, string? status, DateTimeOffset? before, int? limit, OrdersDbContext db, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxLimit)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"Between 1 and {MaxLimit}."] });
        }

        var accountId = AccountId(user);
        var query = db.Invoices.AsNoTracking().Where(i => i.AccountId == accountId);
        if (!string.IsNullOrEmpty(status))
        {
            query = query.Where(i => i.Status == status);
        }

        if (before is { } cursor)
        {
            query = query.Where(i => i.IssuedAt < cursor);
        }

        var take = limit ?? 50;
        var page = await query.OrderByDescending(i => i.IssuedAt).ThenByDescending(i => i.Id).Take(take + 1).ToListAsync(cancellationToken);
        var more = page.Count > take;
        var entries = page.Take(take).Select(OrderActions.View).ToList();
        return TypedResults.Ok(new InvoicePage(entries, more ? entries[^1].IssuedAt : null));
    }

    private static async Task<IResult> AutoRenewAsync(Guid id, AutoRenewRequest request, ClaimsPrincipal user, OrdersDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (request.Enabled is not { } enabled)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["enabled"] = ["true or false."] });
        }

        var accountId = AccountId(user);
        return await db.InTransactionAsync(async ct =>
        {
            var order = await db.LockAsync(id, accountId, ct);
            if (order is null)
            {
                return OrderProblems.OrderNotFound();
            }

            if (OrderStateMachine.IsFinal(order.Status))
            {
                return Idempotency.Problem(StatusCodes.Status409Conflict, "order_ended", "Order ended", "The order has ended.");
            }

            if (order.AutoRenew != enabled)
            {
                order.AutoRenew = enabled;
                order.Version++;
            }

            return TypedResults.Ok(OrderActions.View(order, clock.GetUtcNow()));
        }, cancellationToken);
    }

    private static async Task<IResult> PayAsync(
        Guid id, ClaimsPrincipal user, OrdersDbContext db, OrderPlacement placement, Ledger ledger, TimeProvider clock, CancellationToken cancellationToken)
    {
        var accountId = AccountId(user);
        var blocked = await placement.PaymentBlockersAsync(accountId, cancellationToken);
        if (blocked.Count > 0)
        {
            return OrderProblems.PaymentBlocked(blocked);
        }

        try
        {
            return await db.InTransactionAsync<IResult>(async ct =>
            {
                // The order's row, then the invoice's, are locked (always in that order, as cancellation does), so two
                // payments of one invoice cannot both charge and a cancellation cannot slip in between.
                var orderId = await db.Invoices.Where(i => i.Id == id && i.AccountId == accountId).Select(i => (Guid?)i.OrderId).SingleOrDefaultAsync(ct);
                var order = orderId is { } known ? await db.LockAsync(known, accountId, ct) : null;
                var invoice = order is null ? null : await db.Invoices.FromSqlInterpolated($"SELECT * FROM invoices WHERE \"Id\" = {id} FOR UPDATE").SingleAsync(ct);
                if (invoice is null || order is null)
                {
                    return Idempotency.Problem(StatusCodes.Status404NotFound, "invoice_not_found", "Invoice not found", "No such invoice for this account.");
                }

                if (invoice.Status == InvoiceStatuses.Paid)
                {
                    return Idempotency.Problem(StatusCodes.Status409Conflict, "invoice_already_paid", "Already paid", "This invoice is paid.");
                }

                var renewal = invoice.Kind == RenewalCharge.Kind;
                if (invoice.Status == InvoiceStatuses.Void || !OrderStateMachine.Allows(order.Status, renewal ? OrderTrigger.Renewed : OrderTrigger.Paid))
                {
                    return Idempotency.Problem(StatusCodes.Status409Conflict, "invoice_void", "Invoice void", "This invoice's order was cancelled; it cannot be paid.");
                }

                var paid = renewal
                    ? await RenewalCharge.PayAsync(db, ledger, clock, order, invoice, order.PeriodMonths, "Renewal invoice paid", continuous: false, ct)
                    : await placement.PayAsync(order, invoice, ct);
                if (!paid)
                {
                    return Idempotency.Problem(StatusCodes.Status402PaymentRequired, "insufficient_balance", "Insufficient balance",
                        "The balance does not cover this invoice; top it up first.");
                }

                return TypedResults.Ok(OrderActions.View(order, clock.GetUtcNow(), invoice: invoice));
            }, cancellationToken);
        }
        catch (AddressPoolExhaustedException)
        {
            return Idempotency.Problem(StatusCodes.Status503ServiceUnavailable, "address_pool_exhausted", "No free address",
                "No IP address is free right now; nothing was charged.");
        }
    }
}
