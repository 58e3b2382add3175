using Introserv.BuildingBlocks.Messaging;
using Introserv.Orders.Contracts;
using Introserv.Orders.Data;
using Introserv.Orders.Money;

namespace Introserv.Orders.Features;

/// <summary>Refunds: ledger credits referencing a refund id, <c>RefundIssued</c>, and the order's paid span value reduced by them.</summary>
internal static class Refunds
{
    public static async Task CreditAsync(
        OrdersDbContext db, Ledger ledger, TimeProvider clock, Order order, decimal amount, string reason, string note, CancellationToken cancellationToken)
    {
        var refundId = Guid.CreateVersion7();
        var credited = await ledger.PostAsync(order.AccountId, new Posting(amount, order.Currency, "refund", "refund", refundId.ToString("D"), $"{note} (order {order.Id:D})"), cancellationToken);
        if (credited.Outcome != PostingOutcome.Posted)
        {
            throw new InvalidOperationException($"A refund could not be credited: {credited.Outcome}.");
        }

        order.TermValue = Math.Max(0m, order.TermValue - amount);
        order.RefundableValue = Math.Min(order.TermValue, Math.Max(0m, order.RefundableValue - amount));
        db.AddIntegrationEvent(new RefundIssued(Guid.CreateVersion7(), clock.Now(), order.AccountId, order.Id, refundId, amount, order.Currency, reason), clock);
    }
}
