namespace Introserv.Identity.Data;

// A one-time second-factor recovery code, stored as a SHA-256 hash (the codes are random, 50+ bits).
public sealed class RecoveryCode
{
    public long Id { get; set; }

    public Guid AccountId { get; set; }

    public required string CodeHash { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? UsedAt { get; set; }
}
