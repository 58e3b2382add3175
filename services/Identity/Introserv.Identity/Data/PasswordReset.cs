namespace Introserv.Identity.Data;

// One "forgot password" request: every request is kept (the per-address limit counts them, whether or not an
// account matched); one that matched an account with a confirmed address carries the SHA-256 of its single-use
// token, mailed to that address.
public sealed class PasswordReset
{
    public Guid Id { get; set; }

    public DateTimeOffset RequestedAt { get; set; }

    public string? RequestedFrom { get; set; }

    public Guid? AccountId { get; set; }

    public string? TokenHash { get; set; }

    public DateTimeOffset? ExpiresAt { get; set; }

    public DateTimeOffset? UsedAt { get; set; }

    // Set when a newer request for the account (or a completed reset) made this token void.
    public DateTimeOffset? VoidedAt { get; set; }
}
