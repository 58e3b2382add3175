using Introserv.Orders.Domain;

namespace Introserv.Orders.Tests;

// An order as the test knows it: its plan, and the money it moved.
public sealed class ModelOrder(Guid id, string planId)
{
    public Guid Id => id;

    public string PlanId { get; set; } = planId;

    // The plan before the latest plan change step (the terms its downgrade credit follows).
    public string PlanBefore { get; set; } = planId;

    public decimal Paid { get; set; }

    // What was paid under terms that refund unused days (period prices, never setup fees).
    public decimal RefundablePaid { get; set; }

    public decimal Credited { get; set; }
}

// The money invariants, checked against the database after every step: the balance is the sum of the ledger and
// never negative; every charge is a paid invoice and every paid invoice one charge; an order is credited at most
// what was paid for it, and at most what was paid under refundable terms; a cancellation or downgrade of a plan that
// refunds nothing credits nothing; a downgrade credits at most what a cancellation would have refunded; every paid,
// running order holds exactly one address and no other order holds one; invoices and orders agree.
public sealed class MoneyInvariants(OrdersServiceFactory factory, Guid accountId)
{
    private static readonly string[] Running =
        [OrderStatuses.Active, OrderStatuses.Overdue, OrderStatuses.Suspended, OrderStatuses.PendingCancellation];
    private long _seen;

    public List<ModelOrder> Orders { get; } = [];

    public async Task CheckAsync(MoneyStep step, ModelOrder? target, decimal? cancellationBound)
    {
        var (balance, ledger, orders, invoices, addresses) = await factory.QueryAsync(async db => (
            await db.Balances
                .AsNoTracking()
                .Where(b => b.AccountId == accountId)
                .Select(b => (decimal?)b.Balance)
                .SingleOrDefaultAsync() ?? 0m,
            await db.Ledger.AsNoTracking().Where(e => e.AccountId == accountId).OrderBy(e => e.Sequence).ToListAsync(),
            await db.Orders.AsNoTracking().Where(o => o.AccountId == accountId).ToListAsync(),
            await db.Invoices.AsNoTracking().Where(i => i.AccountId == accountId).ToListAsync(),
            await db.AddressPool
                .AsNoTracking()
                .Where(a => a.OrderId != null)
                .Select(a => a.OrderId!.Value)
                .ToListAsync()));

        Assert.True(balance >= 0m && balance == ledger.Sum(e => e.Amount),
            $"after {step}: balance {balance}, ledger {ledger.Sum(e => e.Amount)}");
        foreach (var entry in ledger.Where(e => e.Sequence > _seen))
        {
            Attribute(step, target, cancellationBound, entry, invoices);
        }

        _seen = ledger.Count == 0 ? 0 : ledger[^1].Sequence;
        foreach (var model in Orders)
        {
            Assert.True(model.Credited <= model.Paid,
                $"after {step}: order {model.Id} credited {model.Credited} of {model.Paid} paid");
            Assert.True(model.Credited <= model.RefundablePaid,
                $"after {step}: order {model.Id} credited {model.Credited}, refundable {model.RefundablePaid}");
        }

        var charges = ledger.Where(e => e.ReferenceType == "invoice").ToList();
        var paid = invoices.Where(i => i.Status == InvoiceStatuses.Paid).ToList();
        Assert.True(charges.Count == paid.Count
            && paid.All(i => charges.Any(c => c.ReferenceId == i.Id.ToString("D") && c.Amount == -i.Amount)),
            $"after {step}: {charges.Count} charges for {paid.Count} paid invoices");
        foreach (var order in orders)
        {
            var held = addresses.Count(a => a == order.Id);
            Assert.True(held == (Running.Contains(order.Status) ? 1 : 0),
                $"after {step}: order {order.Id} ({order.Status}) holds {held} addresses");
            var mine = invoices.Where(i => i.OrderId == order.Id).ToList();
            var firstPaid = mine.Any(i => i.Kind == "new_order" && i.Status == InvoiceStatuses.Paid);
            Assert.True(firstPaid == (order.ActivatedAt is not null),
                $"after {step}: order {order.Id} activated {order.ActivatedAt}, first invoice paid {firstPaid}");
            Assert.True(
                order.Status != OrderStatuses.PendingPayment
                    || mine.Count(i => i.Status == InvoiceStatuses.Unpaid) == 1,
                $"after {step}: pending order {order.Id} without one unpaid invoice");
            Assert.True(!OrderStateMachineFinal(order.Status) || mine.All(i => i.Status != InvoiceStatuses.Unpaid),
                $"after {step}: ended order {order.Id} has an unpaid invoice");
            Assert.True(order.RefundableValue <= order.TermValue,
                $"after {step}: order {order.Id} refundable {order.RefundableValue} of {order.TermValue}");
        }
    }

    private static bool OrderStateMachineFinal(string status) =>
        status is OrderStatuses.Cancelled or OrderStatuses.Terminated;

    private void Attribute(
        MoneyStep step, ModelOrder? target, decimal? cancellationBound, LedgerEntry entry, List<Invoice> invoices)
    {
        if (entry.ReferenceType == "invoice")
        {
            var invoice = invoices.Single(i => i.Id.ToString("D") == entry.ReferenceId);
            var order = Orders.Single(o => o.Id == invoice.OrderId);
            var plan = PlanCatalogue.Plans.Single(p => p.Id == order.PlanId);
            order.Paid += -entry.Amount;
            // Gross: the setup fee (never refundable) with its VAT.
            var setupFee = TaxRules.Apply(plan.SetupFee, invoice.TaxRate).Gross;
            var period = invoice.Kind == "new_order" ? -entry.Amount - setupFee : -entry.Amount;
            order.RefundablePaid += plan.RefundsUnusedDays ? period : 0m;
        }
        else if (entry.Reason == "refund")
        {
            Assert.True(target is not null && step.Kind is StepKind.CancelNow or StepKind.ChangePlan,
                $"a refund of {entry.Amount} after {step}");
            target!.Credited += entry.Amount;
            var terms = PlanCatalogue.Plans.Single(p =>
                p.Id == (step.Kind == StepKind.ChangePlan ? target.PlanBefore : target.PlanId));
            Assert.True(terms.RefundsUnusedDays,
                $"{terms.Id} refunds nothing, yet {entry.Amount} was credited after {step}");
            Assert.True(step.Kind != StepKind.ChangePlan || entry.Amount <= cancellationBound,
                $"a downgrade credited {entry.Amount}, " +
                $"more than cancelling would have refunded ({cancellationBound}), after {step}");
        }
    }
}
