namespace Introserv.Identity.Data;

// One sign-in attempt (login history); also the input of the brute-force throttle.
public sealed class LoginAttempt
{
    public const int LoginMaxLength = 64;

    public long Id { get; set; }

    // The account the login named, when it exists.
    public Guid? AccountId { get; set; }

    // The login as typed, lower case and truncated; the throttle keys on it (known and unknown logins alike).
    public required string Login { get; set; }

    public required string Ip { get; set; }

    public DateTimeOffset At { get; set; }

    public LoginOutcome Outcome { get; set; }

    public string? UserAgent { get; set; }
}

// How a sign-in attempt ended. Stored as text; names are stable.
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
