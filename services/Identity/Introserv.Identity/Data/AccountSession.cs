namespace Introserv.Identity.Data;

// A signed-in session of one client application: one OpenIddict authorization (its id is the authorization id and the
// sid claim of the tokens issued for it) and its refresh-token chain.
public sealed class AccountSession
{
    public const int UserAgentMaxLength = 256;

    public Guid Id { get; set; }

    public Guid AccountId { get; set; }

    public required string ClientId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public string? CreatedIp { get; set; }

    public DateTimeOffset LastUsedAt { get; set; }

    public string? LastIp { get; set; }

    public string? UserAgent { get; set; }

    // How the session was authenticated (pwd, otp, ...), space-separated.
    public required string AuthenticationMethods { get; set; }

    // When the customer last proved a second factor (or the password) again for sensitive operations.
    public DateTimeOffset? SteppedUpAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
