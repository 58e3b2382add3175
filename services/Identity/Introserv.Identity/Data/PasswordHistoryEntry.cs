namespace Introserv.Identity.Data;

// A previous password hash, so a password change can refuse a recently used password.
public sealed class PasswordHistoryEntry
{
    public long Id { get; set; }

    public Guid AccountId { get; set; }

    public required string PasswordHash { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
