using System.Security.Claims;
using Introserv.BuildingBlocks.Data;
using Introserv.Orders.Data;
using Introserv.Orders.Money;
using Introserv.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Orders.Features;

public sealed record PlanPeriodResponse(int Months, decimal DiscountPercent, decimal Price);

public sealed record PlanResponse(
    string Id, string Name, string Type, int CpuCores, int RamGb, int DiskGb, int TrafficTb, decimal MonthlyPrice, string Currency, decimal SetupFee,
    bool RefundsUnusedDays, IReadOnlyList<PlanPeriodResponse> Periods);

public sealed record LedgerEntryResponse(
    long Sequence, DateTimeOffset At, decimal Amount, string Currency, decimal BalanceAfter, string Reason, string? ReferenceType, string? ReferenceId, string? Note);

public sealed record BalanceResponse(decimal Balance, string Currency, IReadOnlyList<LedgerEntryResponse> Entries, long? NextBefore);

public sealed record CreditRequest(decimal? Amount, string? Currency, string? PaymentReference, string? Note);

public static class MoneyEndpoints
{
    public const int MaxLimit = 100;
    public const decimal MaxCredit = 100_000m;

    public static IEndpointRouteBuilder MapMoneyEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/plans", ListPlansAsync).WithTags("Plans").RequireAuthorization()
            .WithSummary("Dedicated Server and VPS/VDS plans: resources, monthly price, billing periods with their discounts and prices, setup fee, cancellation terms");
        app.MapGet("/api/balance", GetBalanceAsync).WithTags("Balance").RequireAuthorization()
            .WithSummary("The balance and its ledger entries, newest first, paged by nextBefore (the balance is the sum of the entries)")
            .Answers<BalanceResponse>(StatusCodes.Status200OK, 400);
        app.MapPost("/api/staff/balances/{accountId:guid}/credits", CreditAsync).WithTags("Balance (staff)")
            .RequireAuthorization(AuthenticationExtensions.StaffPolicy)
            .WithSummary("Credit a balance (a payment received): paymentReference makes it idempotent")
            .WithDescription("201 with the ledger entry; 200 with the existing entry when the payment reference was credited before. 400 validation_failed, 422 currency_mismatch.")
            .Answers<LedgerEntryResponse>(StatusCodes.Status201Created, 400, 422);
        return app;
    }

    /// <summary>Price of <paramref name="months"/> months: monthly price less the period's discount, rounded half away from zero to cents.</summary>
    public static decimal PeriodPrice(decimal monthlyPrice, int months, decimal discountPercent) =>
        decimal.Round(monthlyPrice * months * (100m - discountPercent) / 100m, 2, MidpointRounding.AwayFromZero);

    private static async Task<Ok<List<PlanResponse>>> ListPlansAsync(OrdersDbContext db, CancellationToken cancellationToken)
    {
        var plans = await db.Plans.AsNoTracking().Include(p => p.Periods).Where(p => p.Active).OrderBy(p => p.Type).ThenBy(p => p.MonthlyPrice).ToListAsync(cancellationToken);
        return TypedResults.Ok(plans.Select(p => new PlanResponse(
            p.Id, p.Name, p.Type, p.CpuCores, p.RamGb, p.DiskGb, p.TrafficTb, p.MonthlyPrice, p.Currency, p.SetupFee, p.RefundsUnusedDays,
            [.. p.Periods.OrderBy(x => x.Months).Select(x => new PlanPeriodResponse(x.Months, x.DiscountPercent, PeriodPrice(p.MonthlyPrice, x.Months, x.DiscountPercent)))]))
            .ToList());
    }

    private static async Task<IResult> GetBalanceAsync(ClaimsPrincipal user, long? before, int? limit, OrdersDbContext db, CancellationToken cancellationToken)
    {
        if (limit is < 1 or > MaxLimit)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"Between 1 and {MaxLimit}."] });
        }

        var accountId = AccountId(user);
        var take = limit ?? 50;
        var account = await db.Balances.AsNoTracking().FirstOrDefaultAsync(a => a.AccountId == accountId, cancellationToken);
        var query = db.Ledger.AsNoTracking().Where(e => e.AccountId == accountId);
        if (before is { } cursor)
        {
            query = query.Where(e => e.Sequence < cursor);
        }

        var entries = await query.OrderByDescending(e => e.Sequence).Take(take + 1)
            .Select(e => new LedgerEntryResponse(e.Sequence, e.At, e.Amount, e.Currency, e.BalanceAfter, e.Reason, e.ReferenceType, e.ReferenceId, e.Note))
            .ToListAsync(cancellationToken);
        var more = entries.Count > take;
        var page = more ? entries[..take] : entries;
        return TypedResults.Ok(new BalanceResponse(account?.Balance ?? 0m, account?.Currency ?? PlanCatalogue.Currency, page, more ? page[^1].Sequence : null));
    }

    private static async Task<IResult> CreditAsync(
        Guid accountId, CreditRequest request, ClaimsPrincipal user, OrdersDbContext db, Ledger ledger, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (request.Amount is not { } amount || amount <= 0 || amount > MaxCredit || decimal.Round(amount, 2) != amount)
        {
            errors["amount"] = [$"More than 0 and at most {MaxCredit}, in cents."];
        }

        if (request.Currency is not { Length: 3 } currency || !currency.All(char.IsAsciiLetterUpper))
        {
            errors["currency"] = ["An ISO 4217 code such as EUR."];
        }

        if (string.IsNullOrWhiteSpace(request.PaymentReference) || request.PaymentReference.Trim().Length > 100)
        {
            errors["paymentReference"] = ["The payment's reference (1 to 100 characters): a payment is credited once."];
        }

        if (request.Note is { Length: > 500 })
        {
            errors["note"] = ["At most 500 characters."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var result = await db.InTransactionAsync(ct => ledger.PostAsync(accountId, new Posting(
            request.Amount!.Value, request.Currency!, Ledger.TopUp, "payment", request.PaymentReference!.Trim(), request.Note?.Trim(), AccountId(user)), ct), cancellationToken);
        return result.Outcome switch
        {
            PostingOutcome.Posted => TypedResults.Created($"/api/balance", View(result.Entry!)),
            PostingOutcome.AlreadyPosted => TypedResults.Ok(View(result.Entry!)),
            _ => ProblemDetailsExtensions.CodedProblem(StatusCodes.Status422UnprocessableEntity, "currency_mismatch", "Currency mismatch",
                $"The balance is kept in {PlanCatalogue.Currency}."),
        };
    }

    private static LedgerEntryResponse View(LedgerEntry e) => new(e.Sequence, e.At, e.Amount, e.Currency, e.BalanceAfter, e.Reason, e.ReferenceType, e.ReferenceId, e.Note);

    public static Guid AccountId(ClaimsPrincipal user) =>
        Guid.TryParse(user?.FindFirstValue("sub"), out var id) ? id : Guid.Empty;
}
