using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Introserv.BuildingBlocks.Data;

namespace Introserv.Orders.Features.Balance;

public sealed record LedgerEntryResponse(
    long Sequence, DateTimeOffset At, decimal Amount, string Currency, decimal BalanceAfter,
    string Reason, string? ReferenceType, string? ReferenceId, string? Note);

public sealed record BalanceResponse(
    decimal Balance, string Currency, IReadOnlyList<LedgerEntryResponse> Items, string? NextCursor);

// A payment received outside the panel, credited to the balance once per payment reference.
public sealed record CreditRequest(
    [property: RequiredValue,
        Range(typeof(decimal), "0.01", "100000", ErrorMessage = "More than 0 and at most 100000, in cents."),
        DecimalPlaces(2)]
    decimal? Amount,
    [property: RequiredValue, TextLength(3),
        RegularExpression("^[A-Z]{3}$", ErrorMessage = "An ISO 4217 code such as EUR.")]
    string? Currency,
    [property: RequiredValue(ErrorMessage = "The payment's reference: a payment is credited once."), TextLength(100)]
    string? PaymentReference,
    [property: TextLength(500)] string? Note = null);

public static class BalanceEndpoints
{
    public const decimal MaxCredit = 100_000m;

    public static IEndpointRouteBuilder MapBalance(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/balance", GetBalanceAsync).WithTags("Balance").RequireAuthorization()
            .WithSummary("The balance and its ledger entries, newest first, paged by nextCursor " +
                "(the balance is the sum of the entries)")
            .Answers<BalanceResponse>(StatusCodes.Status200OK).Paged();
        app.MapPost("/api/staff/balances/{accountId:guid}/credits", CreditAsync).WithTags("Balance (staff)")
            .RequireAuthorization(AuthenticationExtensions.StaffPolicy)
            .WithSummary("Credit a balance (a payment received): paymentReference makes it idempotent")
            .WithDescription("201 with the ledger entry; 200 with the existing entry when the payment reference " +
                "was credited to this account before; payment_reference_used: credited to another account.")
            .Answers<LedgerEntryResponse>(
                StatusCodes.Status201Created, OrdersProblems.PaymentReferenceUsed, OrdersProblems.CurrencyMismatch);
        return app;
    }

    private static async Task<Results<Ok<BalanceResponse>, ProblemHttpResult>> GetBalanceAsync(
        ClaimsPrincipal user, [AsParameters] PageQuery page, OrdersDbContext db, CancellationToken cancellationToken)
    {
        if (!page.TryRead(out long? before, out var problem))
        {
            return problem;
        }

        var accountId = user.AccountId();
        var account = await db.Balances
            .AsNoTracking()
            .FirstOrDefaultAsync(a => a.AccountId == accountId, cancellationToken);
        var query = db.Ledger.AsNoTracking().Where(e => e.AccountId == accountId);
        if (before is { } sequence)
        {
            query = query.Where(e => e.Sequence < sequence);
        }

        var rows = await query.OrderByDescending(e => e.Sequence).Take(page.Take + 1)
            .Select(e => new LedgerEntryResponse(
                e.Sequence, e.At, e.Amount, e.Currency, e.BalanceAfter, e.Reason,
                e.ReferenceType, e.ReferenceId, e.Note))
            .ToListAsync(cancellationToken);
        var ledger = page.PageOf(rows, e => PageCursor.Encode(e.Sequence));
        return TypedResults.Ok(new BalanceResponse(
            account?.Balance ?? 0m, account?.Currency ?? PlanCatalogue.Currency, ledger.Items, ledger.NextCursor));
    }

    private static async Task<Results<Created<LedgerEntryResponse>, Ok<LedgerEntryResponse>, ProblemHttpResult>>
        CreditAsync(
            Guid accountId, CreditRequest request, ClaimsPrincipal user, OrdersDbContext db, Ledger ledger,
            CancellationToken cancellationToken)
    {
        // The payment reference is the request's key: its ledger entry is the answer, written in the credit's
        // transaction; the credit is not cancelled by the caller going away, and a retry answers the first entry.
        var result = await db.InTransactionAsync(
            ct => ledger.PostAsync(accountId, new Posting(
                request.Amount!.Value, request.Currency!, LedgerRules.TopUp, LedgerRules.Payment,
                request.PaymentReference!.Trim(), request.Note?.Trim(), user.AccountId()), ct),
            CancellationToken.None);
        return result.Outcome switch
        {
            PostingOutcome.Posted => TypedResults.Created($"/api/balance", View(result.Entry!)),
            PostingOutcome.AlreadyPosted => TypedResults.Ok(View(result.Entry!)),
            PostingOutcome.ReferenceUsedElsewhere => OrdersProblems.PaymentReferenceUsed.Result(
                "This payment reference was credited to another account; a payment is credited once. " +
                "Check the reference."),
            _ => OrdersProblems.CurrencyMismatch.Result($"The balance is kept in {PlanCatalogue.Currency}."),
        };
    }

    private static LedgerEntryResponse View(LedgerEntry e) =>
        new(e.Sequence, e.At, e.Amount, e.Currency, e.BalanceAfter, e.Reason, e.ReferenceType, e.ReferenceId, e.Note);
}
