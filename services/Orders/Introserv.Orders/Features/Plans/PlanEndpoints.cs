namespace Introserv.Orders.Features.Plans;

public sealed record PlanPeriodResponse(int Months, decimal DiscountPercent, decimal Price);

// A field of the plan's order form: "choice" (one of choices, by value) or "text" (matching pattern, a JavaScript
// and .NET regular expression); POST /api/orders takes the values in "fields" by name.
public sealed record OrderFieldResponse(
    string Name, string Label, string Type, bool Required, IReadOnlyList<OrderFieldChoice>? Choices, string? Pattern,
    int MaxLength, string? Hint);

public sealed record PlanResponse(
    string Id, string Name, string Type, int CpuCores, int RamGb, int DiskGb, int TrafficTb, decimal MonthlyPrice,
    string Currency, decimal SetupFee, bool RefundsUnusedDays, IReadOnlyList<PlanPeriodResponse> Periods,
    IReadOnlyList<OrderFieldResponse> OrderForm);

public static class PlanEndpoints
{
    public static IEndpointRouteBuilder MapPlans(this IEndpointRouteBuilder app)
    {
        // Public: a price page and the order form read it before anyone signs in.
        app.MapGet("/api/plans", ListPlansAsync).WithTags("Plans").AllowAnonymous()
            .WithSummary("Dedicated Server and VPS/VDS plans (no token needed): resources, monthly price, billing " +
                "periods with their discounts and prices, setup fee, cancellation terms, and the order form's fields");
        return app;
    }

    private static async Task<Ok<List<PlanResponse>>> ListPlansAsync(
        OrdersDbContext db, CancellationToken cancellationToken)
    {
        var plans = await db.Plans.AsNoTracking().Include(p => p.Periods).Where(p => p.Active)
            .OrderBy(p => p.Type).ThenBy(p => p.MonthlyPrice).ToListAsync(cancellationToken);
        return TypedResults.Ok(plans.Select(View).ToList());
    }

    private static PlanResponse View(Plan p) => new(
        p.Id, p.Name, p.Type, p.CpuCores, p.RamGb, p.DiskGb, p.TrafficTb, p.MonthlyPrice, p.Currency, p.SetupFee,
        p.RefundsUnusedDays,
        [.. p.Periods.OrderBy(x => x.Months)
            .Select(x => new PlanPeriodResponse(x.Months, x.DiscountPercent, Pricing.PeriodPrice(p, x)))],
        [.. p.FormFields.Select(f => new OrderFieldResponse(
            f.Name, f.Label, f.Type, f.Required, f.Choices, f.Pattern, f.MaxLength, f.Hint))]);
}
