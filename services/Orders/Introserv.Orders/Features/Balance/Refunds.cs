using Introserv.BuildingBlocks.Messaging;
using Introserv.Orders.Contracts;

namespace Introserv.Orders.Features.Balance;

// Refunds: ledger credits referencing a refund id, RefundIssued, and the order's paid span worth that much less.
internal static class Refunds
{
    public static async Task CreditAsync(
        OrdersDbContext db, Ledger ledger, TimeProvider clock, Order order, decimal amount, string reason, string note,
        CancellationToken cancellationToken)
    {
        var refundId = Guid.CreateVersion7();
        var posting = new Posting(
            amount, order.Currency, LedgerRules.Refund, LedgerRules.RefundReference, refundId.ToString("D"),
            $"{note} (order {order.Id:D})");
        var credited = await ledger.PostAsync(order.AccountId, posting, cancellationToken);
        if (credited.Outcome != PostingOutcome.Posted)
        {
            // A credit in the balance's own currency cannot be refused; anything else is a defect, and the caller's
            // transaction rolls back with it.
            throw new InvalidOperationException($"A refund could not be credited: {credited.Outcome}.");
        }

        PaidTerm.ReduceBy(order, amount);
        db.AddIntegrationEvent(new RefundIssued(
            Guid.CreateVersion7(), clock.Now(), order.AccountId, order.Id, refundId, amount, order.Currency, reason),
            clock);
    }
}
