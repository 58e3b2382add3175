namespace Introserv.Verification.Data;

// One call to a telephony gateway, for support: who, which gateway, how it ended, how long it took. Never the code.
public sealed class GatewayAttempt
{
    public const int ErrorMaxLength = 200;

    public long Id { get; set; }

    public Guid ChallengeId { get; set; }

    public Guid AccountId { get; set; }

    public required string Delivery { get; set; }

    public required string MaskedPhone { get; set; }

    // primary or secondary.
    public required string GatewayRole { get; set; }

    public required string GatewayName { get; set; }

    public required string Outcome { get; set; }

    public int? HttpStatus { get; set; }

    public int LatencyMs { get; set; }

    public string? Error { get; set; }

    public DateTimeOffset At { get; set; }
}

// The phone number last verified for an account (step-up and sign-in codes go there).
public sealed class VerifiedPhone
{
    public Guid AccountId { get; set; }

    public required string Phone { get; set; }

    public Guid ChallengeId { get; set; }

    public DateTimeOffset VerifiedAt { get; set; }

    // Identity's "confirm sensitive operations by call" (CallConfirmationChanged): replacing this number with another
    // then needs a step-up token for change_phone, from a call to this one. ConfirmByCallChangedAt orders the events.
    public bool ConfirmByCall { get; set; }

    public DateTimeOffset? ConfirmByCallChangedAt { get; set; }
}
