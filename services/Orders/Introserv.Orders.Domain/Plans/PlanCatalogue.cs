namespace Introserv.Orders.Domain;

// The plans seeded by migration (prices in EUR, excluding VAT).
public static class PlanCatalogue
{
    public const string Currency = "EUR";

    public static readonly Plan[] Plans =
    [
        new()
        {
            Id = "vps-s", Name = "VPS S", Type = PlanTypes.Vps,
            CpuCores = 2, RamGb = 4, DiskGb = 60, TrafficTb = 2,
            MonthlyPrice = 9.90m, Currency = Currency, SetupFee = 0m, RefundsUnusedDays = true
        },
        new()
        {
            Id = "vps-m", Name = "VPS M", Type = PlanTypes.Vps,
            CpuCores = 4, RamGb = 8, DiskGb = 120, TrafficTb = 4,
            MonthlyPrice = 19.90m, Currency = Currency, SetupFee = 0m, RefundsUnusedDays = true
        },
        new()
        {
            Id = "vps-l", Name = "VPS L", Type = PlanTypes.Vps,
            CpuCores = 8, RamGb = 16, DiskGb = 240, TrafficTb = 8,
            MonthlyPrice = 39.90m, Currency = Currency, SetupFee = 0m, RefundsUnusedDays = true
        },
        new()
        {
            Id = "ds-e3", Name = "Dedicated E-2388G", Type = PlanTypes.Dedicated,
            CpuCores = 8, RamGb = 32, DiskGb = 1000, TrafficTb = 30,
            MonthlyPrice = 89.00m, Currency = Currency, SetupFee = 49.00m, RefundsUnusedDays = true
        },
        new()
        {
            Id = "ds-epyc", Name = "Dedicated EPYC 7443P", Type = PlanTypes.Dedicated,
            CpuCores = 24, RamGb = 128, DiskGb = 3840, TrafficTb = 100,
            MonthlyPrice = 229.00m, Currency = Currency, SetupFee = 99.00m, RefundsUnusedDays = false
        },
    ];

    public static readonly PlanPeriod[] Periods =
    [
        .. Plans.SelectMany(p => new[]
        {
            new PlanPeriod { PlanId = p.Id, Months = 1, DiscountPercent = 0m },
            new PlanPeriod { PlanId = p.Id, Months = 3, DiscountPercent = 3m },
            new PlanPeriod { PlanId = p.Id, Months = 6, DiscountPercent = 5m },
            new PlanPeriod { PlanId = p.Id, Months = 12, DiscountPercent = 10m },
        }),
    ];
}
