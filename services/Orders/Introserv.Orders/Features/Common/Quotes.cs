namespace Introserv.Orders.Features.Common;

public sealed record ConfirmQuoteRequest([property: RequiredValue(ErrorMessage = Quotes.QuoteIdMessage)] Guid? QuoteId);

// Quotes kept for plan changes and cancellations; the rules they follow are QuoteRules'.
internal static class Quotes
{
    public const string QuoteIdMessage =
        "The id of a quote for this order (the amount is shown before it is confirmed).";

    public static Quote Add(
        OrdersDbContext db, Order order, string kind, decimal net, TaxDecision tax, int unusedDays, DateTimeOffset now,
        string? targetPlanId = null, PlanChangeAmounts? change = null)
    {
        var quote = QuoteRules.Create(order, kind, net, tax, unusedDays, now, targetPlanId, change);
        db.Quotes.Add(quote);
        return quote;
    }

    // The quote, locked and marked confirmed, when it may be confirmed for the order (locked by the caller) now;
    // otherwise the problem to answer: quote_not_found, quote_expired, quote_already_used, quote_outdated.
    public static async Task<(Quote? Quote, ProblemHttpResult? Problem)> RedeemAsync(
        OrdersDbContext db, Guid quoteId, Order order, string kind, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var quote = await db.Quotes.FromSqlInterpolated($"SELECT * FROM quotes WHERE \"Id\" = {quoteId} FOR UPDATE")
            .SingleOrDefaultAsync(cancellationToken);
        switch (QuoteRules.Check(quote, order, kind, now))
        {
            case QuoteCheck.NotFound:
                return (null, OrdersProblems.QuoteNotFound.Result("No such quote for this order; ask for a new one."));
            case QuoteCheck.AlreadyUsed:
                return (null, OrdersProblems.QuoteAlreadyUsed.Result(
                    "This quote was confirmed before; nothing more was charged or credited."));
            case QuoteCheck.Expired:
                return (null, OrdersProblems.QuoteExpired.Result(
                    $"Quotes are valid {QuoteRules.Validity.TotalMinutes:0} minutes; ask for a new one.",
                    new Dictionary<string, object?> { ["expiredAt"] = quote!.ExpiresAt }));
            case QuoteCheck.Outdated:
                return (null, OrdersProblems.QuoteOutdated.Result(
                    "The order changed after this quote was made; ask for a new one."));
            default:
                quote!.ConfirmedAt = now;
                return (quote, null);
        }
    }
}
