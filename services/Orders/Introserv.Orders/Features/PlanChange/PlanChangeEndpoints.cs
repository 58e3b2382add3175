using System.Security.Claims;
using Grpc.Core;
using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Orders.Contracts;
using Introserv.Orders.Features.Balance;
using Introserv.Orders.Features.Invoices;
using Introserv.Orders.Features.PlaceOrder;
using Introserv.Orders.Features.Plans;
using Microsoft.AspNetCore.Mvc;

namespace Introserv.Orders.Features.PlanChange;

public sealed record PlanChangeQuoteRequest(
    [property: RequiredValue(ErrorMessage = OrderRules.PlanIdMessage), TextLength(OrderRules.PlanIdMaxLength)]
    string? PlanId);

public sealed record PlanChangeQuoteResponse(
    Guid QuoteId, Guid OrderId, string FromPlanId, string ToPlanId, int PeriodMonths,
    int UnusedDays, decimal Amount, string Currency, string Direction, decimal Repriced, bool RefundsUnusedDays,
    DateTimeOffset? PaidUntil, DateTimeOffset ExpiresAt, TaxBreakdown Tax);

// Plan changes, applied at once for upgrades and downgrades alike: the unused whole days of the paid term are
// re-priced at the new plan's price for the order's billing period (see Proration); an upgrade's
// difference is charged from the balance as an upgrade invoice, a downgrade's is credited to the balance
// (a refund). The quote shows the amount first; confirming it charges or credits exactly that. Changes stay
// within a plan type (VPS to VPS, dedicated to dedicated); no setup fee is charged for a change. The amount is gross:
// an upgrade's difference with the customer's VAT now, a downgrade's credit with the VAT the order was paid with.
public static class PlanChangeEndpoints
{
    public static RouteGroupBuilder MapPlanChange(this RouteGroupBuilder orders)
    {
        ArgumentNullException.ThrowIfNull(orders);
        orders.MapPost("/{id:guid}/plan-change/quote", QuoteAsync)
            .WithSummary(
                "Quote a plan change: the prorated difference for the rest of the paid term (valid 15 minutes)")
            .WithDescription("amount > 0 is charged (upgrade), amount < 0 credited to the balance (downgrade). " +
                "plan_change_not_allowed: the same plan, another plan type, or a period the plan does not offer.")
            .Answers<PlanChangeQuoteResponse>(StatusCodes.Status200OK, OrdersProblems.OrderNotFound,
                OrdersProblems.OrderNotChangeable, OrdersProblems.PlanChangeNotAllowed,
                OrdersProblems.ServiceUnavailable);
        orders.MapPost("/{id:guid}/plan-change", ConfirmAsync)
            .WithSummary("Confirm a plan-change quote: charges or credits exactly the quoted amount " +
                "(an optional Idempotency-Key makes a retry answer the first answer)")
            .Answers<OrderResponse>(StatusCodes.Status200OK, [OrdersProblems.OrderNotFound, .. OrdersProblems.Quote,
                .. OrdersProblems.Payment, .. OrdersProblems.Keyed, OrdersProblems.ServiceUnavailable,
                .. OrdersProblems.CallConfirmed]);
        return orders;
    }

    private static async Task<Results<Ok<PlanChangeQuoteResponse>, ProblemHttpResult>> QuoteAsync(
        Guid id, PlanChangeQuoteRequest request, ClaimsPrincipal user, OrdersDbContext db, OrderPlacement placement,
        PlanCache plans, TimeProvider clock, CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        TaxDecision customerTax;
        try
        {
            // An upgrade is charged with the customer's VAT now (asked before the order is locked).
            customerTax = (await placement.BillingAsync(accountId, cancellationToken)).Tax;
        }
        catch (RpcException)
        {
            return OrdersProblems.ServiceUnavailable.Result(
                "The tax for this account could not be determined; nothing was quoted. Try again shortly.");
        }

        return await db.InTransactionAsync(
            async Task<Results<Ok<PlanChangeQuoteResponse>, ProblemHttpResult>> (ct) =>
            {
                var order = await db.LockAsync(id, accountId, ct);
                if (order is null)
                {
                    return OrdersProblems.NoSuchOrder();
                }

                if (!OrderStateMachine.Allows(order.Status, OrderTrigger.PlanChanged)
                    || order.PaidUntil is null || order.TermStart is null)
                {
                    return OrdersProblems.OrderNotChangeable.Result(
                        $"The plan of an order in status '{order.Status}' cannot be changed.");
                }

                var current = await plans.GetAsync(db, order.PlanId, ct);
                // The request is validated: the plan's id is there.
                var target = await plans.FindAsync(db, request.PlanId!, ct) is { Active: true } offered
                    ? offered
                    : null;
                if (target is null)
                {
                    return FieldError.Result("planId", OrderRules.PlanIdMessage);
                }

                var period = target.Periods.FirstOrDefault(p => p.Months == order.PeriodMonths);
                var refusal = target.Id == current.Id ? "The order already has this plan."
                    : target.Type != current.Type
                        ? $"A plan change stays within the plan type ({current.Type}); order the other type separately."
                    : target.Currency != order.Currency ? "The plan is priced in another currency."
                    : period is null
                        ? $"The plan is not offered for the order's billing period ({order.PeriodMonths} months)."
                    : null;
                if (refusal is not null)
                {
                    return OrdersProblems.PlanChangeNotAllowed.Result(refusal);
                }

                var now = clock.Now();
                var newPeriodPrice = Pricing.PeriodPrice(target, period!);
                var change = Proration.PlanChange(
                    order.TermValue, order.TermStart.Value, order.PaidUntil.Value, now,
                    order.PeriodPrice, newPeriodPrice,
                    new PlanChangeTerms(order.RefundableValue, current.RefundsUnusedDays, target.RefundsUnusedDays));
                var quote = Quotes.Add(
                    db, order, QuoteKinds.PlanChange, change.Difference,
                    change.Difference > 0 ? customerTax : order.ChargedTax(), change.UnusedDays, now, target.Id,
                    change);
                var direction = newPeriodPrice > order.PeriodPrice ? "upgrade"
                    : newPeriodPrice < order.PeriodPrice ? "downgrade"
                    : "same_price";
                return TypedResults.Ok(new PlanChangeQuoteResponse(
                    quote.Id, order.Id, order.PlanId, target.Id, order.PeriodMonths, quote.UnusedDays, quote.Amount,
                    quote.Currency, direction, change.Repriced,
                    current.RefundsUnusedDays, order.PaidUntil, quote.ExpiresAt, TaxBreakdown.Of(quote)));
            }, cancellationToken);
    }

    private static async Task<Results<StoredAnswer, ProblemHttpResult>> ConfirmAsync(
        Guid id, ConfirmQuoteRequest request, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey,
        [FromHeader(Name = ConfirmedOperations.Header)] string? stepUpToken,
        ClaimsPrincipal user, OrdersDbContext db, KeyedRequests keyed, OrderPlacement placement, Ledger ledger,
        LargeChargeConfirmation confirmation, InvoiceLinks links, PlanCache plans, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        var quoteId = request.QuoteId!.Value;

        async Task<ProblemHttpResult?> PrepareAsync(CancellationToken ct)
        {
            var charge = await db.Quotes
                .AsNoTracking()
                .Where(q => q.Id == quoteId && q.AccountId == accountId)
                .Select(q => new { q.Amount, q.Currency })
                .FirstOrDefaultAsync(ct);
            if (charge is null || charge.Amount <= 0)
            {
                return null;
            }

            if (await placement.PaymentBlockersAsync(accountId, ct) is { Count: > 0 } blocked)
            {
                return OrdersProblems.Blocked(blocked);
            }

            // Last: a confirmation token is spent by the check.
            return await confirmation.RequireAsync(
                accountId, ConfirmedOperations.ChangePlan, charge.Amount, charge.Currency, stepUpToken, ct);
        }

        var keyedRequest = new KeyedRequest(
            accountId, idempotencyKey, "plan_change", Idempotency.HashOf(new { id, quoteId }), KeyRequired: false);
        return await keyed.RunAsync(keyedRequest, async ct =>
        {
            var order = await db.LockAsync(id, accountId, ct);
            if (order is null)
            {
                return KeyedOutcome.Refused(OrdersProblems.NoSuchOrder());
            }

            var now = clock.Now();
            var (quote, problem) = await Quotes.RedeemAsync(db, quoteId, order, QuoteKinds.PlanChange, now, ct);
            if (problem is not null)
            {
                return KeyedOutcome.Refused(problem);
            }

            var target = await plans.GetAsync(db, quote!.TargetPlanId!, ct);
            var period = target.Periods.Single(p => p.Months == order.PeriodMonths);
            Invoice? invoice = null;
            if (quote!.Amount > 0)
            {
                invoice = new Invoice
                {
                    Id = Guid.CreateVersion7(), AccountId = accountId, OrderId = order.Id, Kind = InvoiceKinds.Upgrade,
                    Description = $"Plan change to {target.Name}, {quote.UnusedDays} day(s)",
                    Currency = quote.Currency, Status = InvoiceStatuses.Paid, IssuedAt = now, PaidAt = now,
                }.Taxed(quote.NetAmount, quote.Tax());
                var charged = await ledger.PostAsync(accountId, new Posting(
                    -quote.Amount, quote.Currency, LedgerRules.PlanChange, LedgerRules.InvoiceReference,
                    invoice.Id.ToString("D")), ct);
                if (charged.Outcome != PostingOutcome.Posted)
                {
                    // A refusal writes nothing: the quote stays usable until it expires.
                    return KeyedOutcome.Refused(
                        OrdersProblems.NotCovered("the plan change (the quote stays usable until it expires)"));
                }

                db.Invoices.Add(invoice);
                db.AddInvoiceEvents(invoice, number =>
                {
                    db.AddIntegrationEvent(new InvoiceIssued(
                        Guid.CreateVersion7(), now, accountId, invoice.Id, order.Id, invoice.Kind, invoice.Amount,
                        invoice.Currency, number, links.For(accountId, invoice.Id, now)), clock);
                    db.AddIntegrationEvent(new InvoicePaid(
                        Guid.CreateVersion7(), now, accountId, invoice.Id, order.Id, invoice.Amount,
                        invoice.Currency, number), clock);
                });
            }
            else if (quote.Amount < 0)
            {
                await Refunds.CreditAsync(
                    db, ledger, clock, order,
                    new Taxed(-quote.NetAmount, quote.TaxRate, -quote.Taxed().Tax), LedgerRules.PlanChange,
                    $"Downgrade to {target.Name}, {quote.UnusedDays} unused day(s)", ct);
            }

            var fromPlan = order.PlanId;
            PaidTerm.ChangePlan(order, quote, target.Id, Pricing.PeriodPrice(target, period));
            db.Move(order, OrderTrigger.PlanChanged, now, $"Plan changed from {fromPlan} to {target.Id}");
            db.AddIntegrationEvent(new OrderPlanChanged(
                Guid.CreateVersion7(), now, accountId, order.Id, fromPlan, target.Id, quote.Amount, quote.Currency,
                order.Number, OrderActions.PlanNameOf(fromPlan), target.Name), clock);
            return KeyedOutcome.Done(StatusCodes.Status200OK, () => OrderActions.View(order, now, invoice: invoice));
        }, cancellationToken, PrepareAsync);
    }
}
