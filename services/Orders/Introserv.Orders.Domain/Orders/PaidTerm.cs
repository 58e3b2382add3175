namespace Introserv.Orders.Domain;

// The span an order is paid for and what was paid for it (see Proration): how payment, renewal, a plan change and
// a refund move it. The status change is the state machine's; these only move the money and the dates.
public static class PaidTerm
{
    // The first payment: the service starts now with its address, paid for one period.
    public static void Activate(
        Order order, string address, bool refundsUnusedDays, TaxDecision tax, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(tax);
        (order.TaxRate, order.TaxRule, order.TaxCountry) = (tax.Rate, tax.Rule, tax.Country);
        order.IpAddress = address;
        order.ActivatedAt = now;
        order.TermStart = now;
        order.PaidUntil = now.AddMonths(order.PeriodMonths);
        order.TermValue = order.PeriodPrice;
        order.RefundableValue = refundsUnusedDays ? order.PeriodPrice : 0m;
    }

    // The paid span after a renewal, the same for a renewal by the customer, by paying a renewal invoice and by the
    // lifecycle job: the new period always follows paidUntil. While paidUntil is ahead the span is extended (the
    // renewal's value added to it); after it (overdue or suspended: the service and its address were kept) a new
    // span starts at paidUntil, so the days since are paid for. Only a period that would end before now (grace
    // periods longer than the period) starts now instead. Money paid under a plan that refunds unused days is
    // refundable. Amount is net; it was charged with tax, which the span's rate follows (TaxRules.Blend).
    public static void Extend(
        Order order, int months, decimal amount, TaxDecision tax, bool refundable, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(tax);
        var refundableAmount = refundable ? amount : 0m;
        var extends = order.PaidUntil is { } ahead && ahead > now && order.TermStart is not null;
        order.TaxRate = extends ? TaxRules.Blend(order.TermValue, order.TaxRate, amount, tax.Rate) : tax.Rate;
        (order.TaxRule, order.TaxCountry) = (tax.Rule, tax.Country);
        if (extends && order.PaidUntil is { } until)
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

    // What cancelling now refunds (never more than the span's value) and the unused whole days.
    public static (decimal Refund, int UnusedDays) RefundNow(Order order, bool refundsUnusedDays, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(order);
        return order is { TermStart: { } start, PaidUntil: { } until }
            ? (Math.Min(order.TermValue, Proration.Refund(order.RefundableValue, start, until, now, refundsUnusedDays)),
                Proration.UnusedDays(start, until, now))
            : (0m, 0);
    }

    // A refund credited for the order: the span is worth that much less, and so is its refundable part.
    public static void ReduceBy(Order order, decimal refund)
    {
        ArgumentNullException.ThrowIfNull(order);
        order.TermValue = Math.Max(0m, order.TermValue - refund);
        order.RefundableValue = Math.Min(order.TermValue, Math.Max(0m, order.RefundableValue - refund));
    }

    // A confirmed plan change: the new plan and period price, and the span the quote computed.
    public static void ChangePlan(Order order, Quote quote, string planId, decimal periodPrice)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(quote);
        order.PlanId = planId;
        order.PeriodPrice = periodPrice;
        order.TermStart = quote.NewTermStart;
        order.TermValue = quote.NewTermValue;
        order.RefundableValue = Math.Min(quote.NewTermValue, quote.NewRefundableValue);
        order.TaxRate = quote.NewTaxRate;
        if (quote.NetAmount > 0)
        {
            (order.TaxRule, order.TaxCountry) = (quote.TaxRule, quote.TaxCountry);
        }
    }
}
