namespace Introserv.Verification.Challenges;

// A verification challenge as kept in Redis (its code only as a hash, never here).
public sealed record Challenge(
    Guid Id,
    Guid AccountId,
    string Purpose,
    string? Operation,
    string Phone,
    string Channel,
    string Delivery,
    string Status,
    int Attempts,
    int MaxAttempts,
    int Sends,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt,
    DateTimeOffset LastSentAt,
    bool Delivered,
    string? GatewayRole)
{
    public int CodeLength => Delivery == Deliveries.Sms ? 6 : 4;

    public int AttemptsRemaining => Status == ChallengeStatuses.Pending ? Math.Max(0, MaxAttempts - Attempts) : 0;
}

public static class ChallengeStatuses
{
    public const string Pending = "pending";
    public const string Confirmed = "confirmed";
    public const string Locked = "locked";
}

// How the code travels: the channel, refined by the kind of line.
public static class Deliveries
{
    // Six digits in a text message.
    public const string Sms = "sms";

    // A call from a number whose last four digits are the code; nobody needs to answer.
    public const string FlashCall = "flash_call";

    // A call to a landline on which a robot reads out the four-digit code.
    public const string VoiceCall = "voice_call";
}

// Outcomes of a code check (also the gRPC outcome values).
public static class ConfirmOutcomes
{
    public const string Confirmed = "confirmed";
    public const string InvalidCode = "invalid_code";
    public const string Expired = "expired";
    public const string AlreadyUsed = "already_used";
    public const string TooManyAttempts = "too_many_attempts";
    public const string NotFound = "not_found";

    // The wrong code that used the last attempt (reported as TooManyAttempts).
    public const string LockedNow = "locked";
}
