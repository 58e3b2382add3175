using Introserv.BuildingBlocks.Messaging;
using Introserv.Orders.Contracts;
using Introserv.Orders.Features.Balance;
using Introserv.Orders.Features.Inventory;
using Introserv.Orders.Features.Invoices;
using Introserv.Orders.Features.Plans;
using Introserv.Profile.Grpc;

namespace Introserv.Orders.Features.PlaceOrder;

public enum PaymentResult
{
    Paid,

    // The balance does not cover the invoice: nothing was charged.
    NotCovered,

    // The address pool has no free address: the caller refuses the request, and the charge it tracked is dropped.
    NoFreeAddress,
}

// What Profile says about paying: why the account may not pay invoices now (payment_blocked_* codes; empty when it
// may) and the tax its charges carry.
public sealed record CustomerBilling(IReadOnlyList<string> Blockers, TaxDecision Tax);

// Places an order: an invoice for the period (and the setup fee), paid from the balance at once when the account
// may pay and the balance covers it (the order becomes active with an address from the pool), otherwise left
// unpaid (the order waits in pending_payment). All of it commits together.
internal sealed class OrderPlacement(
    OrdersDbContext db, Ledger ledger, BillingProfiles.BillingProfilesClient billing, TaxSettings taxes,
    InvoiceLinks links, PlanCache plans, TimeProvider clock)
{
    // Why the account may not pay invoices now (Profile's reasons as payment_blocked_* codes); empty when it may.
    public async Task<IReadOnlyList<string>> PaymentBlockersAsync(Guid accountId, CancellationToken cancellationToken)
        => (await BillingAsync(accountId, cancellationToken)).Blockers;

    // Whether the account may pay, and its tax (TaxRules: its country, and whether it is a company staff verified
    // with a VAT number). An RpcException when Profile cannot be asked.
    public async Task<CustomerBilling> BillingAsync(Guid accountId, CancellationToken cancellationToken)
    {
        var request = new GetBillingProfileRequest { AccountId = accountId.ToString("D") };
        var profile = await billing.GetBillingProfileAsync(request, cancellationToken: cancellationToken);
        return new CustomerBilling(
            profile.MayPayInvoices ? [] : [.. profile.Reasons.Select(r => $"payment_blocked_{r}")],
            TaxRules.Decide(taxes, TaxCustomerOf(profile)));
    }

    public static TaxCustomer TaxCustomerOf(BillingProfileReply profile)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return new TaxCustomer(
            string.IsNullOrEmpty(profile.Country) ? null : profile.Country,
            profile is { ProfileType: "company", CompanyVerification: "approved" }
                && !string.IsNullOrWhiteSpace(profile.VatId));
    }

    // The order and its invoice (taxed as decided), paid at once when mayPay and the balance covers it; inside a
    // transaction. The numbers are taken last (see OrderStore.TakeNumbersAsync): from then until the commit every
    // other invoice of the year waits, so only the final write follows them.
    public async Task<(Order Order, Invoice Invoice, PaymentResult Payment)> PlaceAsync(
        Guid accountId, Plan plan, PlanPeriod period, bool autoRenew, Dictionary<string, string> fields, bool mayPay,
        TaxDecision tax, CancellationToken cancellationToken)
    {
        var now = clock.Now();
        var periodPrice = Pricing.PeriodPrice(plan, period);
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
            Fields = fields,
            CreatedAt = now,
            Version = 1,
        };
        order.Timeline.Add(new OrderStatusChange
        {
            OrderId = order.Id, At = now, Status = OrderStatuses.PendingPayment, Note = "Ordered"
        });
        var invoice = new Invoice
        {
            Id = Guid.CreateVersion7(),
            AccountId = accountId,
            OrderId = order.Id,
            Kind = InvoiceKinds.NewOrder,
            Description = plan.SetupFee > 0
                ? $"{plan.Name}, {period.Months} month(s), with setup"
                : $"{plan.Name}, {period.Months} month(s)",
            Currency = plan.Currency,
            Status = InvoiceStatuses.Unpaid,
            IssuedAt = now,
        }.Taxed(periodPrice + plan.SetupFee, tax);
        db.Orders.Add(order);
        db.Invoices.Add(invoice);
        var payment = mayPay ? await ChargeAsync(order, invoice, cancellationToken) : PaymentResult.NotCovered;
        if (payment == PaymentResult.NoFreeAddress)
        {
            return (order, invoice, payment);
        }

        (order.Number, invoice.Number) = await db.TakeNumbersAsync(invoice.IssuedAt, cancellationToken);
        db.AddIntegrationEvent(new OrderPlaced(
            Guid.CreateVersion7(), now, accountId, order.Id, plan.Id, period.Months, invoice.Amount, invoice.Currency,
            order.Number, plan.Name), clock);
        db.AddInvoiceEvents(invoice, number => db.AddIntegrationEvent(new InvoiceIssued(
            Guid.CreateVersion7(), now, accountId, invoice.Id, order.Id, invoice.Kind, invoice.Amount,
            invoice.Currency, number, links.For(accountId, invoice.Id, now)), clock));
        if (payment == PaymentResult.Paid)
        {
            AddPaidEvents(order, invoice);
        }

        return (order, invoice, payment);
    }

    // Pays the invoice of a placed order from the balance when it covers it and activates the order; inside a
    // transaction. On NoFreeAddress the caller must not save what was tracked (a refusal clears it).
    public async Task<PaymentResult> PayAsync(Order order, Invoice invoice, CancellationToken cancellationToken)
    {
        var payment = await ChargeAsync(order, invoice, cancellationToken);
        if (payment == PaymentResult.Paid)
        {
            AddPaidEvents(order, invoice);
        }

        return payment;
    }

    // The charge and the activation, without their events (they name the order's and the invoice's numbers).
    private async Task<PaymentResult> ChargeAsync(Order order, Invoice invoice, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(invoice);
        var posting = new Posting(
            -invoice.Amount, invoice.Currency, LedgerRules.OrderCharge, LedgerRules.InvoiceReference,
            invoice.Id.ToString("D"));
        var charged = await ledger.PostAsync(order.AccountId, posting, cancellationToken);
        if (charged.Outcome != PostingOutcome.Posted)
        {
            return PaymentResult.NotCovered;
        }

        var now = clock.Now();
        if (await db.TakeAddressAsync(order.Id, now, cancellationToken) is not { } address)
        {
            return PaymentResult.NoFreeAddress;
        }

        invoice.Status = InvoiceStatuses.Paid;
        invoice.PaidAt = now;
        db.Move(order, OrderTrigger.Paid, now, $"Paid; address {address}");
        var plan = await plans.GetAsync(db, order.PlanId, cancellationToken);
        PaidTerm.Activate(order, address, plan.RefundsUnusedDays, invoice.ChargedTax(), now);
        return PaymentResult.Paid;
    }

    private void AddPaidEvents(Order order, Invoice invoice)
    {
        var now = invoice.PaidAt!.Value;
        db.AddInvoiceEvents(invoice, number => db.AddIntegrationEvent(new InvoicePaid(
            Guid.CreateVersion7(), now, order.AccountId, invoice.Id, order.Id, invoice.Amount, invoice.Currency,
            number), clock));
        db.AddIntegrationEvent(new OrderActivated(
            Guid.CreateVersion7(), now, order.AccountId, order.Id, order.PlanId, order.IpAddress!,
            order.PaidUntil!.Value, order.Number, OrderActions.PlanNameOf(order.PlanId)), clock);
    }
}
