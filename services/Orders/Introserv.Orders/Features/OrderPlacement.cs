using Introserv.BuildingBlocks.Messaging;
using Introserv.Orders.Contracts;
using Introserv.Orders.Data;
using Introserv.Orders.Features.Inventory;
using Introserv.Orders.Money;
using Introserv.Profile.Grpc;

namespace Introserv.Orders.Features;

/// <summary>The problems several order endpoints answer.</summary>
/// <summary>The address pool has no free address: nothing is charged.</summary>
public sealed class AddressPoolExhaustedException : Exception
{
    public AddressPoolExhaustedException()
        : base("The address pool has no free address.")
    {
    }
}

/// <summary>
/// Places an order: an invoice for the period (and the setup fee), paid from the balance at once when the
/// account may pay and the balance covers it (the order becomes active with an address from the pool), otherwise
/// left unpaid (the order waits in <c>pending_payment</c>). All of it commits together.
/// </summary>
internal sealed class OrderPlacement(OrdersDbContext db, Ledger ledger, BillingProfiles.BillingProfilesClient billing, TimeProvider clock)
{
    /// <summary>Why the account may not pay invoices now (Profile's reasons as <c>payment_blocked_*</c> codes); empty when it may.</summary>
    public async Task<IReadOnlyList<string>> PaymentBlockersAsync(Guid accountId, CancellationToken cancellationToken)
    {
        var profile = await billing.GetBillingProfileAsync(new GetBillingProfileRequest { AccountId = accountId.ToString("D") }, cancellationToken: cancellationToken);
        return profile.MayPayInvoices ? [] : [.. profile.Reasons.Select(r => $"payment_blocked_{r}")];
    }

    /// <summary>The order and its invoice, paid at once when <paramref name="mayPay"/> and the balance covers it; inside a transaction.</summary>
    public async Task<(Order Order, Invoice Invoice)> PlaceAsync(
        Guid accountId, Plan plan, PlanPeriod period, bool autoRenew, bool mayPay, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        var periodPrice = MoneyEndpoints.PeriodPrice(plan.MonthlyPrice, period.Months, period.DiscountPercent);
        var order = new Order
        {
            Id = Guid.CreateVersion7(),
            AccountId = accountId,
            PlanId = plan.Id,
            PeriodMonths = period.Months,
            Status = OrderStatuses.PendingPayment,
            PeriodPrice = periodPrice,
            Currency = plan.Currency,
            AutoRenew = autoRenew,
            CreatedAt = now,
            Version = 1,
        };
        order.Timeline.Add(new OrderStatusChange { OrderId = order.Id, At = now, Status = OrderStatuses.PendingPayment, Note = "Ordered" });
        var invoice = new Invoice
        {
            Id = Guid.CreateVersion7(),
            AccountId = accountId,
            OrderId = order.Id,
            Kind = "new_order",
            Description = plan.SetupFee > 0 ? $"{plan.Name}, {period.Months} month(s), with setup" : $"{plan.Name}, {period.Months} month(s)",
            Amount = periodPrice + plan.SetupFee,
            Currency = plan.Currency,
            Status = InvoiceStatuses.Unpaid,
            IssuedAt = now,
        };
        db.Orders.Add(order);
        db.Invoices.Add(invoice);
        db.AddIntegrationEvent(new OrderPlaced(Guid.CreateVersion7(), now, accountId, order.Id, plan.Id, period.Months, invoice.Amount, invoice.Currency), clock);
        db.AddIntegrationEvent(new InvoiceIssued(Guid.CreateVersion7(), now, accountId, invoice.Id, order.Id, invoice.Kind, invoice.Amount, invoice.Currency), clock);
        if (mayPay)
        {
            await PayAsync(order, invoice, cancellationToken);
        }

        return (order, invoice);
    }

    /// <summary>Pays <paramref name="invoice"/> from the balance when it covers it and activates the order; inside a transaction.</summary>
    public async Task<bool> PayAsync(Order order, Invoice invoice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(invoice);
        var charged = await ledger.PostAsync(order.AccountId,
            new Posting(-invoice.Amount, invoice.Currency, "order_charge", "invoice", invoice.Id.ToString("D")), cancellationToken);
        if (charged.Outcome != PostingOutcome.Posted)
        {
            return false;
        }

        var now = clock.Now();
        var address = await db.TakeAddressAsync(order.Id, now, cancellationToken) ?? throw new AddressPoolExhaustedException();
        invoice.Status = InvoiceStatuses.Paid;
        invoice.PaidAt = now;
        db.Move(order, OrderTrigger.Paid, now, $"Paid; address {address}");
        order.IpAddress = address;
        order.ActivatedAt = now;
        order.TermStart = now;
        order.PaidUntil = now.AddMonths(order.PeriodMonths);
        order.TermValue = order.PeriodPrice;
        order.RefundableValue = await db.RefundsUnusedDaysAsync(order.PlanId, cancellationToken) ? order.PeriodPrice : 0m;
        db.AddIntegrationEvent(new InvoicePaid(Guid.CreateVersion7(), now, order.AccountId, invoice.Id, order.Id, invoice.Amount, invoice.Currency), clock);
        db.AddIntegrationEvent(new OrderActivated(Guid.CreateVersion7(), now, order.AccountId, order.Id, order.PlanId, address, order.PaidUntil.Value), clock);
        return true;
    }
}
