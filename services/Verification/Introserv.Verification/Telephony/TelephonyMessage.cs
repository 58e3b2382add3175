namespace Introserv.Verification.Telephony;

// What a gateway is asked to deliver. ToString leaves the code out.
public sealed record TelephonyMessage(
    Guid ChallengeId, Guid AccountId, string To, string Delivery, string Code, string Text, TimeSpan Lifetime)
{
    public override string ToString() =>
        $"{Delivery} to {Challenges.PhoneNumberRules.Mask(To)} for challenge {ChallengeId}";
}

// How one gateway attempt ended.
public static class GatewayOutcomes
{
    public const string Delivered = "delivered";

    // The provider answered, but not with success (status or body).
    public const string Rejected = "rejected";

    // No answer in time.
    public const string Timeout = "timeout";

    // The provider could not be reached.
    public const string Unreachable = "unreachable";

    // No gateway is configured for the role.
    public const string NotConfigured = "not_configured";
}

public static class GatewayRoles
{
    public const string Primary = "primary";
    public const string Secondary = "secondary";

    public static string Other(string? role) => role == Primary ? Secondary : Primary;
}

public sealed record GatewayResult(string Outcome, int? HttpStatus, string? Error)
{
    public bool Delivered => Outcome == GatewayOutcomes.Delivered;
}
