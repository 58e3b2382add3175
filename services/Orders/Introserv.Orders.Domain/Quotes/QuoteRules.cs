namespace Introserv.Orders.Domain;

public enum QuoteCheck
{
    Valid,
    NotFound,
    AlreadyUsed,
    Expired,
    Outdated,
}

// Quotes: an amount shown before the customer confirms. Valid for Validity; confirmed once; refused when the order
// changed after the quote was made (another renewal, change or cancellation), so what is charged or credited is
// exactly what was shown, for the order as it was shown.
public static class QuoteRules
{
    public static readonly TimeSpan Validity = TimeSpan.FromMinutes(15);

    // A quote for net (positive charged, negative credited or refunded) taxed as decided: a charge at the customer's
    // tax now, a refund or credit at the tax the order's span was charged with (Order.ChargedTax).
    public static Quote Create(
        Order order, string kind, decimal net, TaxDecision tax, int unusedDays, DateTimeOffset now,
        string? targetPlanId = null, PlanChangeAmounts? change = null)
    {
        ArgumentNullException.ThrowIfNull(order);
        ArgumentNullException.ThrowIfNull(tax);
        var taxed = TaxRules.Apply(net, tax.Rate);
        var newTaxRate = change is not null && net > 0
            ? TaxRules.Blend(change.NewTermValue - net, order.TaxRate, net, tax.Rate)
            : order.TaxRate;
        return new Quote
        {
            Id = Guid.CreateVersion7(),
            AccountId = order.AccountId,
            OrderId = order.Id,
            Kind = kind,
            TargetPlanId = targetPlanId,
            Amount = taxed.Gross,
            NetAmount = taxed.Net,
            TaxRate = taxed.Rate,
            TaxRule = tax.Rule,
            TaxCountry = tax.Country,
            NewTaxRate = newTaxRate,
            Currency = order.Currency,
            UnusedDays = unusedDays,
            NewTermValue = change?.NewTermValue ?? 0m,
            NewRefundableValue = change?.NewRefundableValue ?? 0m,
            NewTermStart = change?.NewTermStart,
            OrderVersion = order.Version,
            CreatedAt = now,
            ExpiresAt = now + Validity,
        };
    }

    // Whether the quote may be confirmed for the order now; a quote of another order, account or kind is not found.
    public static QuoteCheck Check(Quote? quote, Order order, string kind, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(order);
        if (quote is null || quote.OrderId != order.Id || quote.AccountId != order.AccountId || quote.Kind != kind)
        {
            return QuoteCheck.NotFound;
        }

        return quote.ConfirmedAt is not null ? QuoteCheck.AlreadyUsed
            : now >= quote.ExpiresAt ? QuoteCheck.Expired
            : quote.OrderVersion != order.Version ? QuoteCheck.Outdated
            : QuoteCheck.Valid;
    }
}
