using System.Text.Json;
using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Orders.Contracts;
using Introserv.Orders.Contracts.Payments;
using Introserv.Orders.Features.Balance;
using Microsoft.Extensions.Options;

namespace Introserv.Orders.Features.Payments;

// A provider's news of a payment (README, "Payment providers"): signed, and applied at most once however often and in
// whatever order it arrives.
// (The annotations describe the body in the API document; the endpoint reads it itself, after the signature.)
public sealed record PaymentCallback(
    [property: TextLength(64)] string? PaymentId,
    [property: TextLength(36)] string? Reference,
    [property: TextLength(16)] string? Status,
    decimal? Amount,
    [property: TextLength(3)] string? Currency,
    DateTimeOffset? OccurredAt,
    [property: TextLength(200)] string? Reason);

public sealed record PaymentCallbackResponse(Guid TopUpId, string Status, bool Credited);

public static class PaymentCallbackEndpoint
{
    public const int MaxBodyBytes = 64 * 1024;

    public static IEndpointRouteBuilder MapPaymentCallbacks(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/payments/callbacks/{provider}", ReceiveAsync).WithTags("Payment providers")
            .AllowAnonymous()
            .WithSummary("A payment provider's callback: signed with Payment-Timestamp and Payment-Signature")
            .WithDescription("Called by providers, not by front ends. The body is checked against the signature " +
                "before it is read. 200 also for a callback already applied or older than what is known.")
            .Accepts<PaymentCallback>("application/json")
            .Answers<PaymentCallbackResponse>(StatusCodes.Status200OK,
                OrdersProblems.CallbackInvalid, OrdersProblems.CallbackSignatureInvalid,
                OrdersProblems.PaymentProviderUnknown, OrdersProblems.TopUpNotFound,
                OrdersProblems.CallbackAmountMismatch);
        return app;
    }

    private static async Task<Results<Ok<PaymentCallbackResponse>, ProblemHttpResult>> ReceiveAsync(
        string provider, HttpContext context, OrdersDbContext db, Ledger ledger, IOptions<PaymentOptions> options,
        TimeProvider clock, ILoggerFactory loggers)
    {
        var logger = loggers.CreateLogger(typeof(PaymentCallbackEndpoint));
        if (!PaymentNames.IsValid(provider) || !options.Value.Providers.TryGetValue(provider, out var settings))
        {
            return OrdersProblems.PaymentProviderUnknown.Result("No payment provider of that name.");
        }

        var body = await ReadBodyAsync(context);
        if (body is null)
        {
            return OrdersProblems.CallbackInvalid.Result($"The body must be JSON of at most {MaxBodyBytes} bytes.");
        }

        var headers = context.Request.Headers;
        if (!PaymentCallbackSignature.Verify(
            settings.CallbackSecrets, headers[PaymentCallbackSignature.TimestampHeader],
            headers[PaymentCallbackSignature.SignatureHeader], body, clock.GetUtcNow(), options.Value.CallbackWindow))
        {
            logger.LogWarning("Refused a payment callback for provider {Provider}: bad or old signature", provider);
            return OrdersProblems.CallbackSignatureInvalid.Result(
                "Payment-Signature does not match the body and Payment-Timestamp, or the timestamp is too old.");
        }

        PaymentCallback? callback;
        try
        {
            callback = JsonSerializer.Deserialize<PaymentCallback>(body, JsonSerializerOptions.Web);
        }
        catch (JsonException)
        {
            callback = null;
        }

        if (callback is not { PaymentId: { Length: > 0 and <= 64 }, Status: not null, Amount: not null }
            || !Guid.TryParse(callback.Reference, out var reference)
            || !TopUpStatuses.All.Contains(callback.Status)
            || callback.Currency is not { Length: 3 })
        {
            return OrdersProblems.CallbackInvalid.Result(
                "Expected paymentId, reference, status (pending, succeeded, failed, expired), amount and currency.");
        }

        var (outcome, topUp, credited) = await db.InTransactionAsync(
            ct => ApplyAsync(db, ledger, clock, provider, reference, callback, ct), CancellationToken.None);
        switch (outcome)
        {
            case CallbackOutcome.NotFound:
                return OrdersProblems.TopUpNotFound.Result("No top-up with this reference and payment id.");
            case CallbackOutcome.Mismatch:
                logger.LogError(
                    "Payment callback from {Provider} for top-up {TopUpId} reports {Amount} {Currency}, not the " +
                    "top-up's amount: not credited", provider, reference, callback.Amount, callback.Currency);
                return OrdersProblems.CallbackAmountMismatch.Result(
                    "The amount or currency differs from the top-up's; nothing was credited. Kept for review.");
            default:
                if (credited)
                {
                    logger.LogInformation(
                        "Top-up {TopUpId} credited {Amount} {Currency} (provider {Provider})",
                        topUp!.Id, topUp.Amount, topUp.Currency, provider);
                }

                return TypedResults.Ok(new PaymentCallbackResponse(
                    topUp!.Id, TopUpRules.StatusAt(topUp, clock.Now()), credited));
        }
    }

    private enum CallbackOutcome
    {
        Applied,
        NotFound,
        Mismatch,
    }

    private static async Task<(CallbackOutcome, TopUp?, bool Credited)> ApplyAsync(
        OrdersDbContext db, Ledger ledger, TimeProvider clock, string provider, Guid reference,
        PaymentCallback callback, CancellationToken cancellationToken)
    {
        // The top-up's row is locked: callbacks of one payment are applied one after the other.
        var topUp = await db.TopUps
            .FromSqlInterpolated($"SELECT * FROM top_ups WHERE \"Id\" = {reference} FOR UPDATE")
            .SingleOrDefaultAsync(cancellationToken);
        if (topUp is null || topUp.Provider != provider || topUp.ProviderPaymentId != callback.PaymentId)
        {
            return (CallbackOutcome.NotFound, null, false);
        }

        var now = clock.Now();
        var late = now >= topUp.ExpiresAt;
        switch (TopUpRules.Apply(topUp.Status, callback.Status!))
        {
            case TopUpTransition.Credit:
                if (callback.Amount != topUp.Amount || callback.Currency != topUp.Currency)
                {
                    topUp.Anomaly = Clip(
                        $"{now:O} succeeded callback for {callback.Amount} {callback.Currency}: not credited");
                    return (CallbackOutcome.Mismatch, topUp, false);
                }

                var note = late ? $"Top-up {topUp.Method} (paid after it expired)" : $"Top-up {topUp.Method}";
                var posted = await ledger.PostAsync(topUp.AccountId, new Posting(
                    topUp.Amount, topUp.Currency, LedgerRules.TopUp, LedgerRules.Payment,
                    $"{provider}:{topUp.ProviderPaymentId}", note), cancellationToken);
                if (posted.Outcome is not (PostingOutcome.Posted or PostingOutcome.AlreadyPosted))
                {
                    topUp.Anomaly = Clip($"{now:O} succeeded callback could not be credited: {posted.Outcome}");
                    return (CallbackOutcome.Mismatch, topUp, false);
                }

                topUp.Status = TopUpStatuses.Succeeded;
                topUp.FailureReason = null;
                topUp.CompletedAt = now;
                topUp.LedgerSequence = posted.Entry!.Sequence;
                Announce(db, clock, topUp, posted.Balance);
                return (CallbackOutcome.Applied, topUp, posted.Outcome == PostingOutcome.Posted);
            case TopUpTransition.Fail:
                topUp.Status = TopUpStatuses.Failed;
                topUp.FailureReason = Clip(string.IsNullOrWhiteSpace(callback.Reason) ? "declined" : callback.Reason);
                topUp.CompletedAt = now;
                Announce(db, clock, topUp, null);
                return (CallbackOutcome.Applied, topUp, false);
            case TopUpTransition.Expire:
                topUp.Status = TopUpStatuses.Expired;
                topUp.CompletedAt = now;
                Announce(db, clock, topUp, null);
                return (CallbackOutcome.Applied, topUp, false);
            default:
                return (CallbackOutcome.Applied, topUp, false);
        }
    }

    private static void Announce(OrdersDbContext db, TimeProvider clock, TopUp topUp, decimal? balance) =>
        db.AddIntegrationEvent(new TopUpCompleted(
            Guid.CreateVersion7(), clock.Now(), topUp.AccountId, topUp.Id, topUp.Amount, topUp.Currency, topUp.Method,
            topUp.Status, topUp.FailureReason, balance), clock);

    private static string Clip(string text)
    {
        var clean = new string([.. text.Where(c => !char.IsControl(c))]).Trim();
        if (clean.Length <= 200)
        {
            return clean;
        }

        // Never cut a character made of two UTF-16 units in half (PostgreSQL refuses the half).
        var end = char.IsHighSurrogate(clean[199]) ? 199 : 200;
        return clean[..end];
    }

    // The raw body (the signature covers its exact bytes), or null when it is larger than MaxBodyBytes.
    private static async Task<byte[]?> ReadBodyAsync(HttpContext context)
    {
        if (context.Request.ContentLength > MaxBodyBytes)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
