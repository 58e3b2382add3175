namespace Introserv.Orders.Domain;

public static class PlanTypes
{
    public const string Dedicated = "dedicated";
    public const string Vps = "vps";
}

// A product customers order: resources, a monthly price, the billing periods offered and the cancellation terms.
public sealed class Plan
{
    public required string Id { get; set; }

    public required string Name { get; set; }

    // PlanTypes.Dedicated or PlanTypes.Vps.
    public required string Type { get; set; }

    public int CpuCores { get; set; }

    public int RamGb { get; set; }

    public int DiskGb { get; set; }

    public int TrafficTb { get; set; }

    public decimal MonthlyPrice { get; set; }

    public required string Currency { get; set; }

    public decimal SetupFee { get; set; }

    // Whether unused whole days are refunded when the service is cancelled at once (the setup fee never is).
    public bool RefundsUnusedDays { get; set; }

    public bool Active { get; set; } = true;

    public List<PlanPeriod> Periods { get; set; } = [];

    // What its order form asks for (by plan type; not stored).
    public IReadOnlyList<OrderField> FormFields => OrderForm.For(Type);
}

// A billing period a plan may be paid for, with its discount on the monthly price.
public sealed class PlanPeriod
{
    public required string PlanId { get; set; }

    public int Months { get; set; }

    public decimal DiscountPercent { get; set; }
}

public static class Pricing
{
    // The price of a number of months: the monthly price less the period's discount, rounded once, half away from
    // zero, to cents.
    public static decimal PeriodPrice(decimal monthlyPrice, int months, decimal discountPercent) =>
        Proration.Cents(monthlyPrice * months * (100m - discountPercent) / 100m);

    public static decimal PeriodPrice(Plan plan, PlanPeriod period)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(period);
        return PeriodPrice(plan.MonthlyPrice, period.Months, period.DiscountPercent);
    }
}
