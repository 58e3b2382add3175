namespace Introserv.Orders.Domain;

public static class InvoiceStatuses
{
    public const string Unpaid = "unpaid";
    public const string Paid = "paid";

    // Never to be paid: its order was cancelled before payment.
    public const string Void = "void";
}

public static class InvoiceKinds
{
    public const string NewOrder = "new_order";
    public const string Renewal = "renewal";
    public const string Upgrade = "upgrade";
}

// A charge: a new order, a renewal or an upgrade. Paid from the balance.
public sealed class Invoice
{
    public Guid Id { get; set; }

    // "2026-000123": the year it was issued (UTC) and its place in that year's gap-free sequence, given by the
    // database when the invoice is written, in the same transaction (InvoiceNumbers).
    public string? Number { get; set; }

    public Guid AccountId { get; set; }

    public Guid OrderId { get; set; }

    // new_order, renewal, upgrade.
    public required string Kind { get; set; }

    public required string Description { get; set; }

    // What is charged: NetAmount plus TaxAmount (TaxRate percent of it, rounded once, to cents, half away from zero).
    public decimal Amount { get; set; }

    public decimal NetAmount { get; set; }

    public decimal TaxRate { get; set; }

    public decimal TaxAmount { get; set; }

    // The rule the tax followed (TaxRuleNames) and the country whose rate it is.
    public string TaxRule { get; set; } = TaxRuleNames.None;

    public string? TaxCountry { get; set; }

    public required string Currency { get; set; }

    public required string Status { get; set; }

    public DateTimeOffset IssuedAt { get; set; }

    public DateTimeOffset? PaidAt { get; set; }

    // The tax the invoice was charged with.
    public TaxDecision ChargedTax() => new(TaxRule, TaxCountry ?? string.Empty, TaxRate);

    // Charges net taxed as decided: the invoice's net, rate, tax, rule and country, and its amount (gross).
    public Invoice Taxed(decimal net, TaxDecision tax)
    {
        ArgumentNullException.ThrowIfNull(tax);
        var taxed = TaxRules.Apply(net, tax.Rate);
        NetAmount = taxed.Net;
        TaxRate = taxed.Rate;
        TaxAmount = taxed.Tax;
        Amount = taxed.Gross;
        TaxRule = tax.Rule;
        TaxCountry = tax.Country;
        return this;
    }
}
