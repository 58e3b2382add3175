namespace Introserv.Orders.Domain;

public static class OrderStatuses
{
    public const string PendingPayment = "pending_payment";
    public const string Active = "active";
    public const string Overdue = "overdue";
    public const string Suspended = "suspended";
    public const string PendingCancellation = "pending_cancellation";
    public const string Cancelled = "cancelled";
    public const string Terminated = "terminated";
}

// A service a customer ordered: plan, period, address, how long it is paid for.
public sealed class Order
{
    public Guid Id { get; set; }

    // The short number a person quotes ("order 100042"): unique, increasing, given by the database.
    public long Number { get; set; }

    public Guid AccountId { get; set; }

    public required string PlanId { get; set; }

    public int PeriodMonths { get; set; }

    public required string Status { get; set; }

    public string? IpAddress { get; set; }

    public DateTimeOffset? PaidUntil { get; set; }

    // Start of the span the order is paid for (up to PaidUntil); see Proration.
    public DateTimeOffset? TermStart { get; set; }

    // What was paid for the span (period prices, never the setup fee), less credits already given.
    public decimal TermValue { get; set; }

    // The part of TermValue paid under terms that refund unused days (the most a cancellation can give back).
    public decimal RefundableValue { get; set; }

    // The price of one period when ordered (later price changes do not touch it).
    public decimal PeriodPrice { get; set; }

    public required string Currency { get; set; }

    // The VAT the paid span was charged with (TaxRules): a refund or a downgrade's credit reverses tax at TaxRate
    // (percent; blended when the span was paid at more than one rate), and an invoice issued while the customer's
    // profile cannot be read follows the latest charge's rule and country. None for a span charged without tax.
    public decimal TaxRate { get; set; }

    public string? TaxRule { get; set; }

    public string? TaxCountry { get; set; }

    public bool AutoRenew { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? ActivatedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    // Why the customer cancelled (optional), and when they asked.
    public string? CancellationReason { get; set; }

    public DateTimeOffset? CancellationRequestedAt { get; set; }

    public int Version { get; set; }

    // What the customer filled in on the plan's order form (OrderForm), by field name; kept through plan changes.
    public Dictionary<string, string> Fields { get; set; } = [];

    public List<OrderStatusChange> Timeline { get; set; } = [];

    // The tax the paid span was charged with: what a refund or credit reverses.
    public TaxDecision ChargedTax() => new(TaxRule ?? TaxRuleNames.None, TaxCountry ?? string.Empty, TaxRate);
}

// One step of an order's status timeline.
public sealed class OrderStatusChange
{
    public long Id { get; set; }

    public Guid OrderId { get; set; }

    public DateTimeOffset At { get; set; }

    public required string Status { get; set; }

    public string? Note { get; set; }
}
