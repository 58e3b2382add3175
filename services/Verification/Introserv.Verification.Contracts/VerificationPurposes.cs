namespace Introserv.Verification.Contracts;

/// <summary>What a verification challenge proves.</summary>
public static class VerificationPurposes
{
    /// <summary>The customer owns the phone number (Profile marks it verified).</summary>
    public const string Phone = "phone";

    /// <summary>Second factor at sign-in, sent to the account's verified phone.</summary>
    public const string SignIn = "sign_in";

    /// <summary>Confirmation of one named sensitive operation, sent to the account's verified phone.</summary>
    public const string StepUp = "step_up";

    /// <summary>Every purpose.</summary>
    public static readonly IReadOnlyList<string> All = [Phone, SignIn, StepUp];
}

/// <summary>How a code reaches the customer.</summary>
public static class VerificationChannels
{
    /// <summary>A text message with a six-digit code.</summary>
    public const string Sms = "sms";

    /// <summary>A call: the last four digits of the caller's number (mobile), or a spoken code (landline).</summary>
    public const string Call = "call";

    /// <summary>Every channel.</summary>
    public static readonly IReadOnlyList<string> All = [Sms, Call];
}
