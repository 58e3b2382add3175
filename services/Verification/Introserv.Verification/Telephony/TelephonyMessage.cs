namespace Introserv.Verification.Telephony;

/// <summary>What a gateway is asked to deliver. <see cref="ToString"/> leaves the code out.</summary>
public sealed record TelephonyMessage(Guid ChallengeId, Guid AccountId, string To, string Delivery, string Code, string Text, TimeSpan Lifetime)
{
    public override string ToString() => $"{Delivery} to {Challenges.PhoneNumberRules.Mask(To)} for challenge {ChallengeId}";
}

/// <summary>How one gateway attempt ended.</summary>
public static class GatewayOutcomes
{
    public const string Delivered = "delivered";

    /// <summary>The provider answered, but not with success (status or body).</summary>
    public const string Rejected = "rejected";

    /// <summary>No answer in time.</summary>
    public const string Timeout = "timeout";

    /// <summary>The provider could not be reached.</summary>
    public const string Unreachable = "unreachable";

    /// <summary>No gateway is configured for the role.</summary>
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
