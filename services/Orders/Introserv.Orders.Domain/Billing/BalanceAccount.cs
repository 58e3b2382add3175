namespace Introserv.Orders.Domain;

// An account's money at the provider: the sum of its ledger entries, kept with the newest entry's sequence.
public sealed class BalanceAccount
{
    public Guid AccountId { get; set; }

    public decimal Balance { get; set; }

    public required string Currency { get; set; }

    // Sequence of the newest ledger entry (0: none yet).
    public long Sequence { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

// One credit (positive) or debit (negative) of an account's balance, and why.
public sealed class LedgerEntry
{
    public long Id { get; set; }

    public Guid AccountId { get; set; }

    // 1, 2, 3... per account.
    public long Sequence { get; set; }

    public decimal Amount { get; set; }

    public required string Currency { get; set; }

    public decimal BalanceAfter { get; set; }

    // top_up, order_charge, renewal_charge, plan_change, refund, ...
    public required string Reason { get; set; }

    // What the entry belongs to: payment, invoice, order, refund.
    public string? ReferenceType { get; set; }

    public string? ReferenceId { get; set; }

    public string? Note { get; set; }

    // The staff member who made a manual entry.
    public Guid? ActorId { get; set; }

    public DateTimeOffset At { get; set; }
}
