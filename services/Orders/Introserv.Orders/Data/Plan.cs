namespace Introserv.Orders.Data;

public static class PlanTypes
{
    public const string Dedicated = "dedicated";
    public const string Vps = "vps";
}

/// <summary>A product customers order: resources, a monthly price, the billing periods offered and the cancellation terms.</summary>
public sealed class Plan
{
    public required string Id { get; set; }

    public required string Name { get; set; }

    /// <summary><see cref="PlanTypes.Dedicated"/> or <see cref="PlanTypes.Vps"/>.</summary>
    public required string Type { get; set; }

    public int CpuCores { get; set; }

    public int RamGb { get; set; }

    public int DiskGb { get; set; }

    public int TrafficTb { get; set; }

    public decimal MonthlyPrice { get; set; }

    public required string Currency { get; set; }

    public decimal SetupFee { get; set; }

    /// <summary>Whether unused whole days are refunded when the service is cancelled at once (the setup fee never is).</summary>
    public bool RefundsUnusedDays { get; set; }

    public bool Active { get; set; } = true;

    public List<PlanPeriod> Periods { get; set; } = [];
}

/// <summary>A billing period a plan may be paid for, with its discount on the monthly price.</summary>
public sealed class PlanPeriod
{
    public required string PlanId { get; set; }

    public int Months { get; set; }

    public decimal DiscountPercent { get; set; }
}

/// <summary>An account's money at the provider: the sum of its ledger entries, kept with the newest entry's sequence.</summary>
public sealed class BalanceAccount
{
    public Guid AccountId { get; set; }

    public decimal Balance { get; set; }

    public required string Currency { get; set; }

    /// <summary>Sequence of the newest ledger entry (0: none yet).</summary>
    public long Sequence { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One credit (positive) or debit (negative) of an account's balance, and why.</summary>
public sealed class LedgerEntry
{
    public long Id { get; set; }

    public Guid AccountId { get; set; }

    /// <summary>1, 2, 3... per account.</summary>
    public long Sequence { get; set; }

    public decimal Amount { get; set; }

    public required string Currency { get; set; }

    public decimal BalanceAfter { get; set; }

    /// <summary><c>top_up</c>, <c>order_charge</c>, <c>renewal_charge</c>, <c>plan_change</c>, <c>refund</c>, ...</summary>
    public required string Reason { get; set; }

    /// <summary>What the entry belongs to: <c>payment</c>, <c>invoice</c>, <c>order</c>, <c>refund</c>.</summary>
    public string? ReferenceType { get; set; }

    public string? ReferenceId { get; set; }

    public string? Note { get; set; }

    /// <summary>The staff member who made a manual entry.</summary>
    public Guid? ActorId { get; set; }

    public DateTimeOffset At { get; set; }
}
