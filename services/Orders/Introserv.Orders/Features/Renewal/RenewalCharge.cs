using Introserv.BuildingBlocks.Messaging;
using Introserv.Orders.Contracts;
using Introserv.Orders.Features.Balance;
using Introserv.Orders.Features.Invoices;

namespace Introserv.Orders.Features.Renewal;

// A renewal's charge: a paid invoice for the period at the plan's current price, the span extended, the events.
public static class RenewalCharge
{
    // An unpaid renewal invoice for the order's period at the plan's current price, taxed as decided (an order that
    // fell due without being renewed).
    public static Invoice Issue(
        OrdersDbContext db, InvoiceLinks links, TimeProvider clock, Order order, Plan plan, PlanPeriod period,
        TaxDecision tax, DateTimeOffset now)
    {
        var invoice = NewInvoice(order, plan, period, tax, now);
        db.Invoices.Add(invoice);
        db.AddInvoiceEvents(invoice, number => db.AddIntegrationEvent(new InvoiceIssued(
            Guid.CreateVersion7(), now, order.AccountId, invoice.Id, order.Id, invoice.Kind, invoice.Amount,
            invoice.Currency, number, links.For(order.AccountId, invoice.Id, now)), clock));
        return invoice;
    }

    // Inside a transaction with the order locked; null (and nothing written) when the balance does not cover it.
    public static async Task<Invoice?> ChargeAsync(
        OrdersDbContext db, Ledger ledger, InvoiceLinks links, TimeProvider clock, Order order, Plan plan,
        PlanPeriod period, TaxDecision tax, string note, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        var invoice = NewInvoice(order, plan, period, tax, now);
        if (!await PayAsync(
            db, ledger, clock, order, invoice, period.Months, plan.RefundsUnusedDays, note, cancellationToken))
        {
            return null;
        }

        db.Invoices.Add(invoice);
        db.AddInvoiceEvents(invoice, number => db.AddIntegrationEvent(new InvoiceIssued(
            Guid.CreateVersion7(), now, order.AccountId, invoice.Id, order.Id, invoice.Kind, invoice.Amount,
            invoice.Currency, number, links.For(order.AccountId, invoice.Id, now)), clock));
        // A renewal invoice issued when the order fell due is no longer to be paid.
        await db.VoidUnpaidInvoicesAsync(order.Id, cancellationToken, InvoiceKinds.Renewal);
        return invoice;
    }

    // Pays a renewal invoice from the balance and renews the order for months under its plan's refund terms
    // (inside a transaction, the order locked); false, and nothing written, when the balance does not cover it.
    public static async Task<bool> PayAsync(
        OrdersDbContext db, Ledger ledger, TimeProvider clock, Order order, Invoice invoice, int months,
        bool refundsUnusedDays, string note, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(invoice);
        var charged = await ledger.PostAsync(order.AccountId, new Posting(
            -invoice.Amount, invoice.Currency, LedgerRules.RenewalCharge, LedgerRules.InvoiceReference,
            invoice.Id.ToString("D")), cancellationToken);
        if (charged.Outcome != PostingOutcome.Posted)
        {
            return false;
        }

        var now = clock.Now();
        invoice.Status = InvoiceStatuses.Paid;
        invoice.PaidAt = now;
        PaidTerm.Extend(order, months, invoice.NetAmount, invoice.ChargedTax(), refundsUnusedDays, now);
        db.Move(order, OrderTrigger.Renewed, now, $"{note} for {months} month(s)");
        db.AddInvoiceEvents(invoice, number => db.AddIntegrationEvent(new InvoicePaid(
            Guid.CreateVersion7(), now, order.AccountId, invoice.Id, order.Id, invoice.Amount, invoice.Currency,
            number), clock));
        db.AddIntegrationEvent(new OrderRenewed(
            Guid.CreateVersion7(), now, order.AccountId, order.Id, months, invoice.Amount, invoice.Currency,
            order.PaidUntil!.Value, order.Number, OrderActions.PlanNameOf(order.PlanId)), clock);
        return true;
    }

    private static Invoice NewInvoice(
        Order order, Plan plan, PlanPeriod period, TaxDecision tax, DateTimeOffset now) => new Invoice
    {
        Id = Guid.CreateVersion7(), AccountId = order.AccountId, OrderId = order.Id, Kind = InvoiceKinds.Renewal,
        Description = $"{plan.Name}, renewal for {period.Months} month(s)", Currency = plan.Currency,
        Status = InvoiceStatuses.Unpaid, IssuedAt = now,
    }.Taxed(Pricing.PeriodPrice(plan, period), tax);
}
