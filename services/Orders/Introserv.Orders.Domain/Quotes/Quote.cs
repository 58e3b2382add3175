namespace Introserv.Orders.Domain;

public static class QuoteKinds
{
    public const string PlanChange = "plan_change";
    public const string Cancellation = "cancellation";
}

// A price shown before the customer confirms (a plan change or an immediate cancellation): valid 15 minutes,
// for the order as it was (its version), confirmed at most once for exactly Amount.
public sealed class Quote
{
    public Guid Id { get; set; }

    public Guid AccountId { get; set; }

    public Guid OrderId { get; set; }

    public required string Kind { get; set; }

    // The plan to change to (plan changes).
    public string? TargetPlanId { get; set; }

    // Plan change: positive charged, negative credited. Cancellation: the refund (zero or positive). With its tax:
    // NetAmount taxed at TaxRate (TaxRules), under TaxRule in TaxCountry.
    public decimal Amount { get; set; }

    public decimal NetAmount { get; set; }

    public decimal TaxRate { get; set; }

    public string TaxRule { get; set; } = TaxRuleNames.None;

    public string? TaxCountry { get; set; }

    // The order's TaxRate after a plan change.
    public decimal NewTaxRate { get; set; }

    // The quoted amount with its tax, and the tax decided for it.
    public Taxed Taxed() => new(NetAmount, TaxRate, Amount - NetAmount);

    public TaxDecision Tax() => new(TaxRule, TaxCountry ?? string.Empty, TaxRate);

    public required string Currency { get; set; }

    public int UnusedDays { get; set; }

    // The order's new paid span value after a plan change.
    public decimal NewTermValue { get; set; }

    // The part of NewTermValue that stays refundable after a plan change.
    public decimal NewRefundableValue { get; set; }

    public DateTimeOffset? NewTermStart { get; set; }

    public int OrderVersion { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? ConfirmedAt { get; set; }
}
