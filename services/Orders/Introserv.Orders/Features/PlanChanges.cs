using System.Security.Claims;
using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Orders.Contracts;
using Introserv.Orders.Data;
using Introserv.Orders.Money;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Orders.Features;

public sealed record PlanChangeQuoteRequest(string? PlanId);

public sealed record PlanChangeQuoteResponse(
    Guid QuoteId, Guid OrderId, string FromPlanId, string ToPlanId, int PeriodMonths, int UnusedDays, decimal Amount, string Currency,
    string Direction, DateTimeOffset? PaidUntil, DateTimeOffset ExpiresAt);

/// <summary>
/// Plan changes, applied at once for upgrades and downgrades alike: the unused whole days of the paid term are
/// re-priced at the new plan's price for the order's billing period (see <see cref="Proration"/>); an upgrade's
/// difference is charged from the balance as an <c>upgrade</c> invoice, a downgrade's is credited to the balance
/// (a refund). The quote shows the amount first; confirming it charges or credits exactly that. Changes stay within
/// a plan type (VPS to VPS, dedicated to dedicated); no setup fee is charged for a change.
/// </summary>
public static class PlanChanges
{
    public static RouteGroupBuilder MapPlanChanges(this RouteGroupBuilder orders)
    {
        ArgumentNullException.ThrowIfNull(orders);
        orders.MapPost("/{id:guid}/plan-change/quote", QuoteAsync)
            .WithSummary("Quote a plan change: the prorated difference for the rest of the paid term (valid 15 minutes)")
            .WithDescription("amount > 0 is charged (upgrade), amount < 0 credited to the balance (downgrade). 400 validation_failed, 404 order_not_found, " +
                "409 order_not_changeable, 422 plan_change_not_allowed (same plan, other plan type, or period not offered).")
            .Answers<PlanChangeQuoteResponse>(StatusCodes.Status200OK, 400, 404, 409, 422);
        orders.MapPost("/{id:guid}/plan-change", ConfirmAsync)
            .WithSummary("Confirm a plan-change quote: charges or credits exactly the quoted amount")
            .WithDescription("409 quote_expired / quote_already_used / quote_outdated, 404 quote_not_found, 403 payment_blocked_<reason>, 402 insufficient_balance.")
            .Answers<OrderResponse>(StatusCodes.Status200OK, 400, 402, 403, 404, 409);
        return orders;
    }

    private static async Task<IResult> QuoteAsync(
        Guid id, PlanChangeQuoteRequest request, ClaimsPrincipal user, OrdersDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var accountId = MoneyEndpoints.AccountId(user);
        if (string.IsNullOrWhiteSpace(request.PlanId))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["planId"] = ["A plan id from GET /api/plans."] });
        }

        return await db.InTransactionAsync(async ct =>
        {
            var order = await db.LockAsync(id, accountId, ct);
            if (order is null)
            {
                return OrderProblems.OrderNotFound();
            }

            if (!OrderStateMachine.Allows(order.Status, OrderTrigger.PlanChanged) || order.PaidUntil is null || order.TermStart is null)
            {
                return Idempotency.Problem(StatusCodes.Status409Conflict, "order_not_changeable", "Plan cannot be changed",
                    $"The plan of an order in status '{order.Status}' cannot be changed.");
            }

            var plans = await db.Plans.AsNoTracking().Include(p => p.Periods).Where(p => p.Id == order.PlanId || p.Id == request.PlanId).ToListAsync(ct);
            var current = plans.Single(p => p.Id == order.PlanId);
            var target = plans.FirstOrDefault(p => p.Id == request.PlanId && p.Active);
            if (target is null)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["planId"] = ["A plan id from GET /api/plans."] });
            }

            var period = target.Periods.FirstOrDefault(p => p.Months == order.PeriodMonths);
            var refusal = target.Id == current.Id ? "The order already has this plan."
                : target.Type != current.Type ? $"A plan change stays within the plan type ({current.Type}); order the other type separately."
                : target.Currency != order.Currency ? "The plan is priced in another currency."
                : period is null ? $"The plan is not offered for the order's billing period ({order.PeriodMonths} months)."
                : null;
            if (refusal is not null)
            {
                return Idempotency.Problem(StatusCodes.Status422UnprocessableEntity, "plan_change_not_allowed", "Plan change not allowed", refusal);
            }

            var now = clock.Now();
            var newPeriodPrice = MoneyEndpoints.PeriodPrice(target.MonthlyPrice, period!.Months, period.DiscountPercent);
            var change = Proration.PlanChange(order.TermValue, order.TermStart.Value, order.PaidUntil.Value, now, order.PeriodPrice, newPeriodPrice);
            var quote = Quotes.Create(db, order, QuoteKinds.PlanChange, change.Difference, change.UnusedDays, now, target.Id, change);
            return TypedResults.Ok(View(quote, order));
        }, cancellationToken);
    }

    private static PlanChangeQuoteResponse View(Quote quote, Order order) => new(
        quote.Id, order.Id, order.PlanId, quote.TargetPlanId!, order.PeriodMonths, quote.UnusedDays, quote.Amount, quote.Currency,
        quote.Amount > 0 ? "upgrade" : quote.Amount < 0 ? "downgrade" : "same_price", order.PaidUntil, quote.ExpiresAt);

    private static async Task<IResult> ConfirmAsync(
        Guid id, ConfirmQuoteRequest request, ClaimsPrincipal user, OrdersDbContext db, OrderPlacement placement, Ledger ledger, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var accountId = MoneyEndpoints.AccountId(user);
        if (request.QuoteId is not { } quoteId)
        {
            return Quotes.QuoteRequired();
        }

        var charge = await db.Quotes.AsNoTracking().Where(q => q.Id == quoteId && q.AccountId == accountId).Select(q => q.Amount).FirstOrDefaultAsync(cancellationToken);
        if (charge > 0 && await placement.PaymentBlockersAsync(accountId, cancellationToken) is { Count: > 0 } blocked)
        {
            return OrderProblems.PaymentBlocked(blocked);
        }

        return await db.InTransactionAsync(async ct =>
        {
            var order = await db.LockAsync(id, accountId, ct);
            if (order is null)
            {
                return OrderProblems.OrderNotFound();
            }

            var now = clock.Now();
            var (quote, problem) = await Quotes.RedeemAsync(db, quoteId, order, QuoteKinds.PlanChange, now, ct);
            if (problem is not null)
            {
                return problem;
            }

            var target = await db.Plans.AsNoTracking().Include(p => p.Periods).SingleAsync(p => p.Id == quote!.TargetPlanId, ct);
            var period = target.Periods.Single(p => p.Months == order.PeriodMonths);
            Invoice? invoice = null;
            if (quote!.Amount > 0)
            {
                invoice = new Invoice
                {
                    Id = Guid.CreateVersion7(), AccountId = accountId, OrderId = order.Id, Kind = "upgrade",
                    Description = $"Plan change to {target.Name}, {quote.UnusedDays} day(s)", Amount = quote.Amount, Currency = quote.Currency,
                    Status = InvoiceStatuses.Paid, IssuedAt = now, PaidAt = now,
                };
                var charged = await ledger.PostAsync(accountId, new Posting(-quote.Amount, quote.Currency, "plan_change", "invoice", invoice.Id.ToString("D")), ct);
                if (charged.Outcome != PostingOutcome.Posted)
                {
                    // Nothing is written: the quote stays usable until it expires.
                    db.ChangeTracker.Clear();
                    return Idempotency.Problem(StatusCodes.Status402PaymentRequired, "insufficient_balance", "Insufficient balance",
                        "The balance does not cover the plan change; top it up and confirm the quote again.");
                }

                db.Invoices.Add(invoice);
                db.AddIntegrationEvent(new InvoiceIssued(Guid.CreateVersion7(), now, accountId, invoice.Id, order.Id, invoice.Kind, invoice.Amount, invoice.Currency), clock);
                db.AddIntegrationEvent(new InvoicePaid(Guid.CreateVersion7(), now, accountId, invoice.Id, order.Id, invoice.Amount, invoice.Currency), clock);
            }
            else if (quote.Amount < 0)
            {
                await Refunds.CreditAsync(db, ledger, clock, order, -quote.Amount, "plan_change", $"Downgrade to {target.Name}, {quote.UnusedDays} unused day(s)", ct);
            }

            var fromPlan = order.PlanId;
            order.PlanId = target.Id;
            order.PeriodPrice = MoneyEndpoints.PeriodPrice(target.MonthlyPrice, period.Months, period.DiscountPercent);
            order.TermStart = quote.NewTermStart;
            order.TermValue = quote.NewTermValue;
            db.Move(order, OrderTrigger.PlanChanged, now, $"Plan changed from {fromPlan} to {target.Id}");
            db.AddIntegrationEvent(new OrderPlanChanged(Guid.CreateVersion7(), now, accountId, order.Id, fromPlan, target.Id, quote.Amount, quote.Currency), clock);
            return TypedResults.Ok(OrderActions.View(order, now, invoice: invoice));
        }, cancellationToken);
    }
}
