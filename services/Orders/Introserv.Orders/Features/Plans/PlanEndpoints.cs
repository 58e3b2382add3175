using System.Security.Claims;
using Grpc.Core;
using Introserv.Orders.Features.PlaceOrder;

namespace Introserv.Orders.Features.Plans;

// Price is the period's net price; Tax shows it with the VAT of the customer asking (net, rate, tax, gross).
public sealed record PlanPeriodResponse(int Months, decimal DiscountPercent, decimal Price, TaxBreakdown Tax);

// A field of the plan's order form: "choice" (one of choices, by value) or "text" (matching pattern, a JavaScript
// and .NET regular expression); POST /api/orders takes the values in "fields" by name.
public sealed record OrderFieldResponse(
    string Name, string Label, string Type, bool Required, IReadOnlyList<OrderFieldChoice>? Choices, string? Pattern,
    int MaxLength, string? Hint);

// Prices are net (MonthlyPrice, SetupFee, each period's Price); SetupFeeTax and each period's Tax add the VAT of the
// signed-in customer (TaxFor "customer"), or of a customer in the seller's country without a token ("seller_country").
public sealed record PlanResponse(
    string Id, string Name, string Type, int CpuCores, int RamGb, int DiskGb, int TrafficTb, decimal MonthlyPrice,
    string Currency, decimal SetupFee, bool RefundsUnusedDays, IReadOnlyList<PlanPeriodResponse> Periods,
    IReadOnlyList<OrderFieldResponse> OrderForm, TaxBreakdown SetupFeeTax, string TaxFor);

public static class PlanEndpoints
{
    public static IEndpointRouteBuilder MapPlans(this IEndpointRouteBuilder app)
    {
        // Public: a price page and the order form read it before anyone signs in.
        app.MapGet("/api/plans", ListPlansAsync).WithTags("Plans").AllowAnonymous()
            .WithSummary("Dedicated Server and VPS/VDS plans (no token needed): resources, monthly price, billing " +
                "periods with their discounts and prices, setup fee, cancellation terms, and the order form's fields")
            .WithDescription("Prices are net. With a token, each price also shows the signed-in customer's VAT " +
                "(net, rate, tax, gross and the rule: domestic, eu_consumer, reverse_charge, outside_eu, " +
                "country_rate); without one, the VAT of a customer in the seller's country.")
            .Answers<List<PlanResponse>>(StatusCodes.Status200OK, OrdersProblems.ServiceUnavailable);
        return app;
    }

    private static async Task<Results<Ok<List<PlanResponse>>, ProblemHttpResult>> ListPlansAsync(
        ClaimsPrincipal user, HttpContext context, OrdersDbContext db, PlanCache catalogue, OrderPlacement placement,
        TaxSettings taxes, CancellationToken cancellationToken)
    {
        var accountId = user.TryAccountId();
        var forCustomer = accountId is not null;
        TaxDecision tax;
        try
        {
            tax = accountId is { } id
                ? (await placement.BillingAsync(id, cancellationToken)).Tax
                : TaxRules.Decide(taxes, new TaxCustomer(null, false));
        }
        catch (RpcException)
        {
            return OrdersProblems.ServiceUnavailable.Result(
                "The tax for this account could not be determined; try again shortly.");
        }

        // The answer depends on who asks.
        context.Response.Headers.Vary = "Authorization";
        var plans = await catalogue.AllAsync(db, cancellationToken);
        return TypedResults.Ok(plans.Where(p => p.Active)
            .Select(p => View(p, tax, forCustomer ? "customer" : "seller_country")).ToList());
    }

    private static PlanResponse View(Plan p, TaxDecision tax, string taxFor) => new(
        p.Id, p.Name, p.Type, p.CpuCores, p.RamGb, p.DiskGb, p.TrafficTb, p.MonthlyPrice, p.Currency, p.SetupFee,
        p.RefundsUnusedDays,
        [.. p.Periods.OrderBy(x => x.Months)
            .Select(x => new PlanPeriodResponse(
                x.Months, x.DiscountPercent, Pricing.PeriodPrice(p, x),
                TaxBreakdown.Of(TaxRules.Apply(Pricing.PeriodPrice(p, x), tax.Rate), tax)))],
        [.. p.FormFields.Select(f => new OrderFieldResponse(
            f.Name, f.Label, f.Type, f.Required, f.Choices, f.Pattern, f.MaxLength, f.Hint))],
        TaxBreakdown.Of(TaxRules.Apply(p.SetupFee, tax.Rate), tax), taxFor);
}
