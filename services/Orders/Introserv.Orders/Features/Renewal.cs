using System.Security.Claims;
using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Orders.Contracts;
using Introserv.Orders.Data;
using Introserv.Orders.Money;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Orders.Features;

public sealed record RenewRequest(int? PeriodMonths);

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
            .WithDescription("400 validation_failed, 403 payment_blocked_<reason>, 402 insufficient_balance, 409 order_not_renewable, 404 order_not_found; the idempotency codes as for ordering.")
            .Answers<OrderResponse>(StatusCodes.Status200OK, 400, 402, 403, 404, 409, 422);
        return orders;
    }

    private static async Task<IResult> RenewAsync(
        Guid id, RenewRequest request, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey, ClaimsPrincipal user,
        OrdersDbContext db, Idempotency idempotency, OrderPlacement placement, Ledger ledger, TimeProvider clock, CancellationToken cancellationToken)
    {
        var accountId = MoneyEndpoints.AccountId(user);
        var order = await db.Orders.AsNoTracking().FirstOrDefaultAsync(o => o.Id == id && o.AccountId == accountId, cancellationToken);
        if (order is null)
        {
            return OrderProblems.OrderNotFound();
        }

        if (!OrderActions.For(order.Status).Contains("renew"))
        {
            return Idempotency.Problem(StatusCodes.Status409Conflict, "order_not_renewable", "Cannot renew", $"An order in status '{order.Status}' cannot be renewed.");
        }

        var plan = await db.Plans.AsNoTracking().Include(p => p.Periods).SingleAsync(p => p.Id == order.PlanId, cancellationToken);
        var period = plan.Periods.FirstOrDefault(p => p.Months == request.PeriodMonths);
        if (period is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["periodMonths"] = [$"One of {string.Join(", ", plan.Periods.Select(p => p.Months).Order())} for this plan."],
            });
        }

        var answer = await idempotency.BeginAsync(accountId, idempotencyKey, "renew", Idempotency.HashOf(new { id, request.PeriodMonths }), cancellationToken);
        if (answer is not null)
        {
            return answer;
        }

        try
        {
            var blocked = await placement.PaymentBlockersAsync(accountId, cancellationToken);
            if (blocked.Count > 0)
            {
                await idempotency.AbandonAsync(accountId, idempotencyKey!);
                return OrderProblems.PaymentBlocked(blocked);
            }

            var result = await db.InTransactionAsync<(Order? Order, Invoice? Invoice, bool Refused)>(async ct =>
            {
                var tracked = await db.LockAsync(id, accountId, ct);
                if (tracked is null || !OrderStateMachine.Allows(tracked.Status, OrderTrigger.Renewed))
                {
                    return (tracked, null, true);
                }

                var invoice = await RenewalCharge.ChargeAsync(db, ledger, clock, tracked, plan, period, "Renewed", ct);
                if (invoice is null)
                {
                    return (null, null, false);
                }

                return (tracked, invoice, false);
            }, cancellationToken);
            if (result.Refused)
            {
                await idempotency.AbandonAsync(accountId, idempotencyKey!);
                return Idempotency.Problem(StatusCodes.Status409Conflict, "order_not_renewable", "Cannot renew", $"An order in status '{result.Order?.Status}' cannot be renewed.");
            }

            if (result.Order is null)
            {
                await idempotency.AbandonAsync(accountId, idempotencyKey!);
                return Idempotency.Problem(StatusCodes.Status402PaymentRequired, "insufficient_balance", "Insufficient balance",
                    "The balance does not cover the renewal; top it up first.");
            }

            var body = OrderActions.View(result.Order, clock.GetUtcNow(), invoice: result.Invoice);
            await idempotency.CompleteAsync(accountId, idempotencyKey!, StatusCodes.Status200OK, body, cancellationToken);
            return TypedResults.Ok(body);
        }
        catch
        {
            await idempotency.AbandonAsync(accountId, idempotencyKey!);
            throw;
        }
    }
}

/// <summary>A renewal's charge: a paid invoice for the period at the plan's current price, the span extended, the events.</summary>
internal static class RenewalCharge
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
        OrdersDbContext db, Ledger ledger, TimeProvider clock, Order order, Plan plan, PlanPeriod period, string note, CancellationToken cancellationToken,
        bool continuous = false)
    {
        var now = clock.Now();
        var invoice = NewInvoice(order, plan, period, now);
        if (!await PayAsync(db, ledger, clock, order, invoice, period.Months, note, continuous, cancellationToken))
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
        OrdersDbContext db, Ledger ledger, TimeProvider clock, Order order, Invoice invoice, int months, string note, bool continuous, CancellationToken cancellationToken)
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
        Extend(order, months, invoice.Amount, now, continuous);
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
    /// The paid span after a renewal: extended from <c>paidUntil</c> while it is still ahead (the renewal's value added
    /// to the span's), otherwise a new span starting now. An automatic renewal (<paramref name="continuous"/>) always
    /// starts at <c>paidUntil</c>: the service ran on without a gap, so the new period follows the old one.
    /// </summary>
    public static void Extend(Order order, int months, decimal amount, DateTimeOffset now, bool continuous = false)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (order.PaidUntil is { } until && until > now && order.TermStart is not null)
        {
            order.PaidUntil = until.AddMonths(months);
            order.TermValue += amount;
        }
        else if (continuous && order.PaidUntil is { } end)
        {
            order.TermStart = end;
            order.PaidUntil = end.AddMonths(months);
            order.TermValue = amount;
        }
        else
        {
            order.TermStart = now;
            order.PaidUntil = now.AddMonths(months);
            order.TermValue = amount;
        }

        order.PeriodMonths = months;
        order.PeriodPrice = amount;
    }
}
