namespace Introserv.Identity.Data;

/// <summary>One sign-in attempt (login history); also the input of the brute-force throttle.</summary>
public sealed class LoginAttempt
{
    public const int LoginMaxLength = 64;

    public long Id { get; set; }

    /// <summary>The account the login named, when it exists.</summary>
    public Guid? AccountId { get; set; }

    /// <summary>The login as typed, lower case and truncated; the throttle keys on it (known and unknown logins alike).</summary>
    public required string Login { get; set; }

    public required string Ip { get; set; }

    public DateTimeOffset At { get; set; }

    public LoginOutcome Outcome { get; set; }

    public string? UserAgent { get; set; }
}

/// <summary>How a sign-in attempt ended. Stored as text; names are stable.</summary>
public enum LoginOutcome
{
    Succeeded,
    InvalidCredentials,
    SecondFactorRequired,
    SecondFactorFailed,
    Throttled,
    IpNotAllowed,
    TokenRefreshed,
    RefreshRefusedIpNotAllowed,
}
