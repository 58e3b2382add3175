using System.ComponentModel.DataAnnotations;
using Microsoft.AspNetCore.Http.HttpResults;
using Introserv.ServiceDefaults;
using System.Security.Claims;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Orders.Contracts;
using Introserv.Orders.Data;
using Introserv.Orders.Money;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Orders.Features;

public sealed record RenewRequest([property: RequiredValue, Range(1, OrderRules.MaxPeriodMonths, ErrorMessage = "A number of months the plan offers.")] int? PeriodMonths);

/// <summary>
/// Renewal: a paid invoice for the chosen period at the plan's current price, charged from the balance at once
/// (<c>402 insufficient_balance</c> otherwise, and nothing is left behind); <c>paidUntil</c> moves from the later of
/// now and the current <c>paidUntil</c>; an overdue or suspended service is active again. Idempotent like ordering.
/// </summary>
public static class Renewal
{
    public static RouteGroupBuilder MapRenewal(this RouteGroupBuilder orders)
    {
        ArgumentNullException.ThrowIfNull(orders);
        orders.MapPost("/{id:guid}/renew", RenewAsync)
            .WithSummary("Renew an order for a billing period (Idempotency-Key header required)")
            .Answers<OrderResponse>(StatusCodes.Status200OK, [OrdersProblems.OrderNotFound, OrdersProblems.OrderNotRenewable, .. OrdersProblems.Payment, .. OrdersProblems.Keyed, OrdersProblems.ServiceUnavailable]);
        return orders;
    }

    private static async Task<Results<StoredAnswer, ProblemHttpResult>> RenewAsync(
        Guid id, RenewRequest request, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey, ClaimsPrincipal user,
        OrdersDbContext db, KeyedRequests keyed, OrderPlacement placement, Ledger ledger, TimeProvider clock, CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        var order = await db.Orders.AsNoTracking().FirstOrDefaultAsync(o => o.Id == id && o.AccountId == accountId, cancellationToken);
        if (order is null)
        {
            return OrdersProblems.NoSuchOrder();
        }

        // Whether the order may be renewed is decided in the effect, with the order locked: a retry of a renewal that
        // went through answers the first answer even when the order has moved on since.
        var plan = await db.Plans.AsNoTracking().Include(p => p.Periods).SingleAsync(p => p.Id == order.PlanId, cancellationToken);
        var period = plan.Periods.FirstOrDefault(p => p.Months == request.PeriodMonths);
        if (period is null)
        {
            return FieldError.Result("periodMonths", OrderRules.PeriodMessage(plan));
        }

        return await keyed.RunAsync(new KeyedRequest(accountId, idempotencyKey, "renew", Idempotency.HashOf(new { id, request.PeriodMonths }), KeyRequired: true), async ct =>
        {
            var tracked = await db.LockAsync(id, accountId, ct);
            if (tracked is null || !OrderStateMachine.Allows(tracked.Status, OrderTrigger.Renewed))
            {
                return KeyedOutcome.Refused(NotRenewable(tracked?.Status));
            }

            var invoice = await RenewalCharge.ChargeAsync(db, ledger, clock, tracked, plan, period, "Renewed", ct);
            return invoice is null
                ? KeyedOutcome.Refused(OrdersProblems.NotCovered("the renewal"))
                : KeyedOutcome.Done(StatusCodes.Status200OK, OrderActions.View(tracked, clock.GetUtcNow(), invoice: invoice));
        }, cancellationToken, prepare: async ct => await placement.PaymentBlockersAsync(accountId, ct) is { Count: > 0 } blocked ? OrdersProblems.Blocked(blocked) : null);
    }

    private static ProblemHttpResult NotRenewable(string? status) =>
        OrdersProblems.OrderNotRenewable.Result($"An order in status '{status}' cannot be renewed.");
}

/// <summary>A renewal's charge: a paid invoice for the period at the plan's current price, the span extended, the events.</summary>
public static class RenewalCharge
{
    public const string Kind = "renewal";

    /// <summary>An unpaid renewal invoice for the order's period at the plan's current price (an order that fell due without being renewed).</summary>
    public static Invoice Issue(OrdersDbContext db, TimeProvider clock, Order order, Plan plan, PlanPeriod period, DateTimeOffset now)
    {
        var invoice = NewInvoice(order, plan, period, now);
        db.Invoices.Add(invoice);
        db.AddIntegrationEvent(new InvoiceIssued(Guid.CreateVersion7(), now, order.AccountId, invoice.Id, order.Id, invoice.Kind, invoice.Amount, invoice.Currency), clock);
        return invoice;
    }

    /// <summary>Inside a transaction with the order locked; null (and nothing written) when the balance does not cover it.</summary>
    public static async Task<Invoice?> ChargeAsync(
        OrdersDbContext db, Ledger ledger, TimeProvider clock, Order order, Plan plan, PlanPeriod period, string note, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        var invoice = NewInvoice(order, plan, period, now);
        if (!await PayAsync(db, ledger, clock, order, invoice, period.Months, note, cancellationToken))
        {
            return null;
        }

        db.Invoices.Add(invoice);
        db.AddIntegrationEvent(new InvoiceIssued(Guid.CreateVersion7(), now, order.AccountId, invoice.Id, order.Id, invoice.Kind, invoice.Amount, invoice.Currency), clock);
        // A renewal invoice issued when the order fell due is no longer to be paid.
        await db.VoidUnpaidInvoicesAsync(order.Id, cancellationToken, Kind);
        return invoice;
    }

    /// <summary>
    /// Pays a renewal invoice from the balance and renews the order for <paramref name="months"/> (inside a transaction,
    /// the order locked); false, and nothing written, when the balance does not cover it.
    /// </summary>
    public static async Task<bool> PayAsync(
        OrdersDbContext db, Ledger ledger, TimeProvider clock, Order order, Invoice invoice, int months, string note, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(invoice);
        var charged = await ledger.PostAsync(order.AccountId, new Posting(-invoice.Amount, invoice.Currency, "renewal_charge", "invoice", invoice.Id.ToString("D")), cancellationToken);
        if (charged.Outcome != PostingOutcome.Posted)
        {
            return false;
        }

        var now = clock.Now();
        invoice.Status = InvoiceStatuses.Paid;
        invoice.PaidAt = now;
        Extend(order, months, invoice.Amount, await db.RefundsUnusedDaysAsync(order.PlanId, cancellationToken), now);
        db.Move(order, OrderTrigger.Renewed, now, $"{note} for {months} month(s)");
        db.AddIntegrationEvent(new InvoicePaid(Guid.CreateVersion7(), now, order.AccountId, invoice.Id, order.Id, invoice.Amount, invoice.Currency), clock);
        db.AddIntegrationEvent(new OrderRenewed(Guid.CreateVersion7(), now, order.AccountId, order.Id, months, invoice.Amount, invoice.Currency, order.PaidUntil!.Value), clock);
        return true;
    }

    private static Invoice NewInvoice(Order order, Plan plan, PlanPeriod period, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(), AccountId = order.AccountId, OrderId = order.Id, Kind = Kind,
        Description = $"{plan.Name}, renewal for {period.Months} month(s)",
        Amount = MoneyEndpoints.PeriodPrice(plan.MonthlyPrice, period.Months, period.DiscountPercent), Currency = plan.Currency,
        Status = InvoiceStatuses.Unpaid, IssuedAt = now,
    };

    /// <summary>
    /// The paid span after a renewal, the same for a renewal by the customer, by paying a renewal invoice and by the
    /// lifecycle job: the new period always follows <c>paidUntil</c>. While <c>paidUntil</c> is ahead the span is
    /// extended (the renewal's value added to it); after it (overdue or suspended: the service and its address were
    /// kept) a new span starts at <c>paidUntil</c>, so the days since are paid for. Only a period that would end
    /// before now (grace periods longer than the period) starts now instead. Money paid under a plan that refunds
    /// unused days is <c>refundable</c>.
    /// </summary>
    public static void Extend(Order order, int months, decimal amount, bool refundable, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(order);
        var refundableAmount = refundable ? amount : 0m;
        if (order.PaidUntil is { } until && until > now && order.TermStart is not null)
        {
            order.PaidUntil = until.AddMonths(months);
            order.TermValue += amount;
            order.RefundableValue += refundableAmount;
        }
        else
        {
            var start = order.PaidUntil is { } end && end.AddMonths(months) > now ? end : now;
            order.TermStart = start;
            order.PaidUntil = start.AddMonths(months);
            order.TermValue = amount;
            order.RefundableValue = refundableAmount;
        }

        order.PeriodMonths = months;
        order.PeriodPrice = amount;
    }
}
