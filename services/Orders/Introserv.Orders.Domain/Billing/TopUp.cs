namespace Introserv.Orders.Domain;

public static class TopUpStatuses
{
    // Created at the provider; the customer has not finished paying.
    public const string Pending = "pending";

    // The provider took the money; the balance was credited once.
    public const string Succeeded = "succeeded";

    // The provider declined or could not take the payment.
    public const string Failed = "failed";

    // Not paid in time (the top-up's expiresAt passed, or the provider said so).
    public const string Expired = "expired";

    public static readonly IReadOnlyList<string> All = [Pending, Succeeded, Failed, Expired];
}

// Money a customer sends to their balance through a payment provider: created with the provider (which answers where
// to send the customer), then settled by the provider's signed callback.
public sealed class TopUp
{
    public Guid Id { get; set; }

    public Guid AccountId { get; set; }

    public decimal Amount { get; set; }

    public required string Currency { get; set; }

    // The payment method the customer chose (Orders:Payments:Methods) and the provider serving it.
    public required string Method { get; set; }

    public required string Provider { get; set; }

    // The provider's payment id: one credit per provider and payment id.
    public required string ProviderPaymentId { get; set; }

    public string? RedirectUrl { get; set; }

    // pending, succeeded, failed, expired (as stored; see TopUpRules.StatusAt for what is shown).
    public required string Status { get; set; }

    public string? FailureReason { get; set; }

    // The ledger entry that credited it.
    public long? LedgerSequence { get; set; }

    // A callback that could not be applied (e.g. an amount that differs): kept for staff, never credited.
    public string? Anomaly { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }

    public DateTimeOffset? CompletedAt { get; set; }
}

// What a provider's callback does to a top-up.
public enum TopUpTransition
{
    // The callback changes nothing (a duplicate, or news older than what is known).
    None,

    // Credit the balance and mark the top-up succeeded.
    Credit,

    Fail,
    Expire,
}

public static class TopUpRules
{
    // The status a customer sees: a pending top-up past its expiry is expired (its redirect no longer offered).
    public static string StatusAt(TopUp topUp, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(topUp);
        return topUp.Status == TopUpStatuses.Pending && now >= topUp.ExpiresAt ? TopUpStatuses.Expired : topUp.Status;
    }

    // Callbacks may arrive twice or out of order. Success wins over everything and happens once: money the provider
    // took is credited even when it arrives after a failure or the expiry (the customer paid). A failure or an expiry
    // only ends a top-up still pending; nothing undoes a success.
    public static TopUpTransition Apply(string currentStatus, string reportedStatus) =>
        (currentStatus, reportedStatus) switch
        {
            (TopUpStatuses.Succeeded, _) => TopUpTransition.None,
            (_, TopUpStatuses.Succeeded) => TopUpTransition.Credit,
            (TopUpStatuses.Pending, TopUpStatuses.Failed) => TopUpTransition.Fail,
            (TopUpStatuses.Pending, TopUpStatuses.Expired) => TopUpTransition.Expire,
            _ => TopUpTransition.None,
        };
}
