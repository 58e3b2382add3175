using Microsoft.AspNetCore.Http.HttpResults;
using Introserv.ServiceDefaults;
using Introserv.Orders.Data;
using Introserv.Orders.Money;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Orders.Features;

public sealed record ConfirmQuoteRequest([property: RequiredValue(ErrorMessage = Quotes.QuoteIdMessage)] Guid? QuoteId);

/// <summary>
/// Quotes: an amount shown before the customer confirms. Valid <see cref="Validity"/>; confirmed once; refused when the
/// order changed after the quote was made (another renewal, change or cancellation), so what is charged or credited
/// is exactly what was shown, for the order as it was shown.
/// </summary>
internal static class Quotes
{
    public static readonly TimeSpan Validity = TimeSpan.FromMinutes(15);

    public static Quote Create(OrdersDbContext db, Order order, string kind, decimal amount, int unusedDays, DateTimeOffset now, string? targetPlanId = null, PlanChangeAmounts? change = null)
    {
        var quote = new Quote
        {
            Id = Guid.CreateVersion7(),
            AccountId = order.AccountId,
            OrderId = order.Id,
            Kind = kind,
            TargetPlanId = targetPlanId,
            Amount = amount,
            Currency = order.Currency,
            UnusedDays = unusedDays,
            NewTermValue = change?.NewTermValue ?? 0m,
            NewRefundableValue = change?.NewRefundableValue ?? 0m,
            NewTermStart = change?.NewTermStart,
            OrderVersion = order.Version,
            CreatedAt = now,
            ExpiresAt = now + Validity,
        };
        db.Quotes.Add(quote);
        return quote;
    }

    /// <summary>
    /// The quote, locked, when it may be confirmed for <paramref name="order"/> (locked by the caller) now; otherwise the
    /// problem to answer: <c>quote_not_found</c>, <c>quote_expired</c>, <c>quote_already_used</c>, <c>quote_outdated</c>.
    /// </summary>
    public static async Task<(Quote? Quote, ProblemHttpResult? Problem)> RedeemAsync(
        OrdersDbContext db, Guid quoteId, Order order, string kind, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var quote = await db.Quotes.FromSqlInterpolated($"SELECT * FROM quotes WHERE \"Id\" = {quoteId} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);
        if (quote is null || quote.OrderId != order.Id || quote.AccountId != order.AccountId || quote.Kind != kind)
        {
            return (null, OrdersProblems.QuoteNotFound.Result("No such quote for this order; ask for a new one."));
        }

        if (quote.ConfirmedAt is not null)
        {
            return (null, OrdersProblems.QuoteAlreadyUsed.Result("This quote was confirmed before; nothing more was charged or credited."));
        }

        if (now >= quote.ExpiresAt)
        {
            return (null, OrdersProblems.QuoteExpired.Result($"Quotes are valid {Validity.TotalMinutes:0} minutes; ask for a new one.", new Dictionary<string, object?> { ["expiredAt"] = quote.ExpiresAt }));
        }

        if (quote.OrderVersion != order.Version)
        {
            return (null, OrdersProblems.QuoteOutdated.Result("The order changed after this quote was made; ask for a new one."));
        }

        quote.ConfirmedAt = now;
        return (quote, null);
    }

    public const string QuoteIdMessage = "The id of a quote for this order (the amount is shown before it is confirmed).";
}
