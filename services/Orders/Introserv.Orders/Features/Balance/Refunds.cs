using System.Globalization;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Orders.Contracts;

namespace Introserv.Orders.Features.Balance;

// Refunds: ledger credits referencing a refund id, RefundIssued, and the order's paid span worth that much less.
// A refund is net plus the VAT it was charged with (the quote's, at the order's ChargedTax): the gross is credited,
// and the span loses the net.
internal static class Refunds
{
    public static async Task CreditAsync(
        OrdersDbContext db, Ledger ledger, TimeProvider clock, Order order, Taxed refund, string reason, string note,
        CancellationToken cancellationToken)
    {
        var refundId = Guid.CreateVersion7();
        var amount = refund.Gross;
        var vat = refund.Tax == 0m
            ? string.Empty
            : string.Create(CultureInfo.InvariantCulture, $", with {refund.Tax:0.00} VAT at {refund.Rate:0.##}%");
        var posting = new Posting(
            amount, order.Currency, LedgerRules.Refund, LedgerRules.RefundReference, refundId.ToString("D"),
            $"{note}{vat} (order {order.Id:D})");
        var credited = await ledger.PostAsync(order.AccountId, posting, cancellationToken);
        if (credited.Outcome != PostingOutcome.Posted)
        {
            // A credit in the balance's own currency cannot be refused; anything else is a defect, and the caller's
            // transaction rolls back with it.
            throw new InvalidOperationException($"A refund could not be credited: {credited.Outcome}.");
        }

        PaidTerm.ReduceBy(order, refund.Net);
        db.AddIntegrationEvent(new RefundIssued(
            Guid.CreateVersion7(), clock.Now(), order.AccountId, order.Id, refundId, amount, order.Currency, reason,
            refund.Net, refund.Tax, refund.Rate), clock);
    }
}
