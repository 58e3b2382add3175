namespace Introserv.Orders.DevPayments;

public static class DevPaymentStatuses
{
    public const string Pending = "pending";
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Expired = "expired";
}

// When the provider sends a callback after a decision: at once, after a delay, or only when asked (resend).
public static class CallbackModes
{
    public const string Immediate = "immediate";
    public const string Delay = "delay";
    public const string Hold = "hold";

    public static readonly IReadOnlyList<string> All = [Immediate, Delay, Hold];
}

public sealed record CallbackAttempt(
    DateTimeOffset At, string Status, decimal Amount, int? ResponseStatus, string? Error);

// A payment as the stand-in provider keeps it.
public sealed class DevPayment
{
    public required string Id { get; init; }

    public required string Reference { get; init; }

    public decimal Amount { get; init; }

    public required string Currency { get; init; }

    public string? Method { get; init; }

    public string? Description { get; init; }

    public required Uri ReturnUrl { get; init; }

    public required Uri CallbackUrl { get; init; }

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset ExpiresAt { get; init; }

    public string Status { get; set; } = DevPaymentStatuses.Pending;

    public string? Reason { get; set; }

    // The amount the next callbacks report (a test may make it differ from the payment's).
    public decimal ReportedAmount { get; set; }

    public List<CallbackAttempt> Callbacks { get; } = [];
}

// The provider's memory: every payment created, by id and by the merchant's reference. A development tool keeps it in
// memory; a restart forgets it.
public sealed class PaymentBook
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, DevPayment> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DevPayment> _byReference = new(StringComparer.Ordinal);

    public string CallbackMode { get; private set; } = CallbackModes.Immediate;

    public TimeSpan CallbackDelay { get; private set; } = TimeSpan.FromSeconds(10);

    public void SetCallbackMode(string mode, TimeSpan delay)
    {
        lock (_lock)
        {
            CallbackMode = mode;
            CallbackDelay = delay;
        }
    }

    // The payment for the reference: the existing one (created is false) or the one made by create.
    public (DevPayment Payment, bool Created) GetOrAdd(string reference, Func<DevPayment> create)
    {
        lock (_lock)
        {
            if (_byReference.TryGetValue(reference, out var existing))
            {
                return (existing, false);
            }

            var payment = create();
            _byId[payment.Id] = payment;
            _byReference[reference] = payment;
            return (payment, true);
        }
    }

    public DevPayment? Find(string id)
    {
        lock (_lock)
        {
            return _byId.GetValueOrDefault(id);
        }
    }

    public IReadOnlyList<DevPayment> List()
    {
        lock (_lock)
        {
            return [.. _byId.Values.OrderByDescending(p => p.CreatedAt)];
        }
    }

    // Runs change on the payment under the book's lock (decisions and callback records of one payment in turn).
    public T Update<T>(DevPayment payment, Func<DevPayment, T> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_lock)
        {
            return change(payment);
        }
    }
}
