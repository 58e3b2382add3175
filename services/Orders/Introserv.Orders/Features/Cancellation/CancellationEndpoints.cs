using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Orders.Contracts;
using Introserv.Orders.Features.Balance;
using Introserv.Orders.Features.Plans;
using Microsoft.AspNetCore.Mvc;

namespace Introserv.Orders.Features.Cancellation;

// Refund is what is credited (gross); Tax shows its net and the VAT it reverses (immediate cancellation only).
public sealed record CancellationOption(
    Guid? QuoteId, decimal Refund, int UnusedDays, DateTimeOffset EffectiveAt, TaxBreakdown? Tax = null);

public sealed record CancellationQuoteResponse(
    Guid OrderId, string Currency, bool RefundsUnusedDays,
    CancellationOption Immediate, CancellationOption? EndOfTerm, DateTimeOffset ExpiresAt);

// How to cancel: at once (with the quote of its refund) or at the end of the paid term.
public sealed record CancelRequest(
    [property: RequiredValue, OneOf(CancellationModes.Immediate, CancellationModes.EndOfTerm)] string? Mode,
    Guid? QuoteId = null,
    [property: TextLength(CancellationEndpoints.MaxReasonLength)] string? Reason = null) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.Equals(Mode?.Trim(), CancellationModes.Immediate, StringComparison.OrdinalIgnoreCase)
            && QuoteId is null)
        {
            yield return new ValidationResult(
                "The id of a cancellation quote for this order (the refund is shown before it is confirmed).",
                [nameof(QuoteId)]);
        }
    }
}

// Cancellation. immediate: the service ends now, its address returns to the pool, and the unused whole days
// are refunded to the balance pro rata when the plan's terms say so (the setup fee never is); the quote shows the
// refund first and confirming it credits exactly that. end_of_term: the order is pending_cancellation
// until paidUntil, when the lifecycle job ends it; it can be withdrawn until then. A reason may be given.
public static class CancellationEndpoints
{
    public const int MaxReasonLength = 500;

    public static RouteGroupBuilder MapCancellation(this RouteGroupBuilder orders)
    {
        ArgumentNullException.ThrowIfNull(orders);
        orders.MapPost("/{id:guid}/cancellation/quote", QuoteAsync)
            .WithSummary("Quote a cancellation: the refund of cancelling now (quoteId, valid 15 minutes) " +
                "and the end-of-term option")
            .WithDescription(
                "endOfTerm is null when the order cannot be cancelled at the end of its term (not active).")
            .Answers<CancellationQuoteResponse>(
                StatusCodes.Status200OK, OrdersProblems.OrderNotFound, OrdersProblems.OrderNotCancellable);
        orders.MapPost("/{id:guid}/cancellation", CancelAsync)
            .WithSummary("Cancel: mode immediate (with the quoteId; refunds exactly the quoted amount) " +
                "or end_of_term; an optional reason")
            .WithDescription("An optional Idempotency-Key makes a retry answer the first answer.")
            .Answers<OrderResponse>(StatusCodes.Status200OK, [OrdersProblems.OrderNotFound,
                OrdersProblems.OrderNotCancellable, .. OrdersProblems.Quote, .. OrdersProblems.Keyed]);
        orders.MapDelete("/{id:guid}/cancellation", WithdrawAsync)
            .WithSummary("Withdraw an end-of-term cancellation: the order is active again")
            .Answers<OrderResponse>(
                StatusCodes.Status200OK, OrdersProblems.OrderNotFound, OrdersProblems.NoScheduledCancellation);
        return orders;
    }

    private static ProblemHttpResult NotCancellable(Order order) =>
        OrdersProblems.OrderNotCancellable.Result(
            $"An order in status '{order.Status}' cannot be cancelled this way.");

    private static async Task<Results<Ok<CancellationQuoteResponse>, ProblemHttpResult>> QuoteAsync(
        Guid id, ClaimsPrincipal user, OrdersDbContext db, PlanCache plans, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        return await db.InTransactionAsync(
            async Task<Results<Ok<CancellationQuoteResponse>, ProblemHttpResult>> (ct) =>
            {
                var order = await db.LockAsync(id, accountId, ct);
                if (order is null)
                {
                    return OrdersProblems.NoSuchOrder();
                }

                if (!OrderStateMachine.Allows(order.Status, OrderTrigger.CancelledNow))
                {
                    return NotCancellable(order);
                }

                var plan = await plans.GetAsync(db, order.PlanId, ct);
                var now = clock.Now();
                var (refund, unused) = PaidTerm.RefundNow(order, plan.RefundsUnusedDays, now);
                var quote = Quotes.Add(db, order, QuoteKinds.Cancellation, refund, order.ChargedTax(), unused, now);
                var endOfTerm = OrderStateMachine.Allows(order.Status, OrderTrigger.CancellationScheduled)
                    && order.PaidUntil is { } until
                    ? new CancellationOption(null, 0m, Proration.UnusedDays(order.TermStart ?? now, until, now), until)
                    : null;
                return TypedResults.Ok(new CancellationQuoteResponse(
                    order.Id, order.Currency, plan.RefundsUnusedDays,
                    new CancellationOption(quote.Id, quote.Amount, unused, now, TaxBreakdown.Of(quote)), endOfTerm,
                    quote.ExpiresAt));
            }, cancellationToken);
    }

    private static async Task<Results<StoredAnswer, ProblemHttpResult>> CancelAsync(
        Guid id, CancelRequest request, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey,
        ClaimsPrincipal user, OrdersDbContext db, KeyedRequests keyed,
        Ledger ledger, TimeProvider clock, CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        var mode = request.Mode!.Trim().ToLowerInvariant();
        var reason = string.IsNullOrWhiteSpace(request.Reason) ? null : request.Reason.Trim();
        var keyedRequest = new KeyedRequest(
            accountId, idempotencyKey, "cancel", Idempotency.HashOf(new { id, Mode = mode, request.QuoteId, reason }),
            KeyRequired: false);
        return await keyed.RunAsync(keyedRequest, async ct =>
        {
            var order = await db.LockAsync(id, accountId, ct);
            if (order is null)
            {
                return KeyedOutcome.Refused(OrdersProblems.NoSuchOrder());
            }

            var now = clock.Now();
            if (mode == CancellationModes.EndOfTerm)
            {
                if (order.PaidUntil is not { } until
                    || !db.Move(order, OrderTrigger.CancellationScheduled, now, reason is null
                        ? "Cancellation at the end of the term"
                        : $"Cancellation at the end of the term: {reason}"))
                {
                    return KeyedOutcome.Refused(NotCancellable(order));
                }

                order.CancellationReason = reason;
                order.CancellationRequestedAt = now;
                db.AddIntegrationEvent(new OrderCancellationScheduled(
                    Guid.CreateVersion7(), now, accountId, order.Id, order.PlanId, until, reason, order.Number,
                    OrderActions.PlanNameOf(order.PlanId)), clock);
                return KeyedOutcome.Done(StatusCodes.Status200OK, OrderActions.View(order, now));
            }

            if (!OrderStateMachine.Allows(order.Status, OrderTrigger.CancelledNow))
            {
                return KeyedOutcome.Refused(NotCancellable(order));
            }

            var (quote, problem) = await Quotes.RedeemAsync(
                db, request.QuoteId!.Value, order, QuoteKinds.Cancellation, now, ct);
            if (problem is not null)
            {
                return KeyedOutcome.Refused(problem);
            }

            order.CancellationReason = reason;
            order.CancellationRequestedAt = now;
            await EndAsync(
                db, ledger, clock, order, OrderTrigger.CancelledNow, CancellationModes.Immediate,
                quote!.Taxed(), now, ct);
            return KeyedOutcome.Done(StatusCodes.Status200OK, OrderActions.View(order, now));
        }, cancellationToken);
    }

    // Ends the order by cancellation (inside a transaction, the order locked): the refund (net and its VAT) credited,
    // the address back in the pool, an unpaid invoice void, OrderCancelled.
    internal static async Task EndAsync(
        OrdersDbContext db, Ledger ledger, TimeProvider clock, Order order, OrderTrigger trigger, string mode,
        Taxed taxedRefund, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var refund = taxedRefund.Gross;
        var note = mode switch
        {
            CancellationModes.EndOfTerm => "Cancelled at the end of the term",
            CancellationModes.Unpaid => "Cancelled: not paid within the payment window",
            _ => refund > 0 ? $"Cancelled; {refund:0.00} {order.Currency} refunded" : "Cancelled",
        };
        if (!db.Move(
                order, trigger, now,
                order.CancellationReason is { } reason && mode == CancellationModes.Immediate
                    ? $"{note}: {reason}"
                    : note))
        {
            throw new InvalidOperationException($"An order in status '{order.Status}' cannot be cancelled.");
        }

        if (refund > 0)
        {
            await Refunds.CreditAsync(
                db, ledger, clock, order, taxedRefund, "cancellation", $"Cancellation refund, {order.PlanId}",
                cancellationToken);
        }

        await db.EndServiceAsync(order, now, cancellationToken);
        db.AddIntegrationEvent(new OrderCancelled(
            Guid.CreateVersion7(), now, order.AccountId, order.Id, order.PlanId, mode, refund, order.Currency,
            order.CancellationReason, order.Number, OrderActions.PlanNameOf(order.PlanId)), clock);
    }

    private static async Task<Results<Ok<OrderResponse>, ProblemHttpResult>> WithdrawAsync(
        Guid id, ClaimsPrincipal user, OrdersDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        return await db.InTransactionAsync(async Task<Results<Ok<OrderResponse>, ProblemHttpResult>> (ct) =>
        {
            var order = await db.LockAsync(id, accountId, ct);
            if (order is null)
            {
                return OrdersProblems.NoSuchOrder();
            }

            var now = clock.Now();
            if (!db.Move(order, OrderTrigger.CancellationWithdrawn, now, "Cancellation withdrawn"))
            {
                return OrdersProblems.NoScheduledCancellation.Result(
                    "The order has no cancellation scheduled for the end of its term.");
            }

            order.CancellationReason = null;
            order.CancellationRequestedAt = null;
            db.AddIntegrationEvent(new OrderCancellationWithdrawn(
                Guid.CreateVersion7(), now, accountId, order.Id, order.PlanId, order.Number,
                OrderActions.PlanNameOf(order.PlanId)), clock);
            return TypedResults.Ok(OrderActions.View(order, now));
        }, cancellationToken);
    }
}
