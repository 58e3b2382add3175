namespace Introserv.Identity.Data;

/// <summary>
/// A signed-in session of one client application: one OpenIddict authorization (its id is the
/// authorization id and the <c>sid</c> claim of the tokens issued for it) and its refresh-token chain.
/// </summary>
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

    /// <summary>How the session was authenticated (<c>pwd</c>, <c>otp</c>, ...), space-separated.</summary>
    public required string AuthenticationMethods { get; set; }

    /// <summary>When the customer last proved a second factor (or the password) again for sensitive operations.</summary>
    public DateTimeOffset? SteppedUpAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }
}
