namespace Introserv.Identity.Data;

// A change to an account's security settings, readable by the customer. Never holds a secret.
public sealed class AuditEntry
{
    public const int ActionMaxLength = 64;
    public const int DetailMaxLength = 4000;

    public long Id { get; set; }

    public Guid AccountId { get; set; }

    public DateTimeOffset At { get; set; }

    public string? Ip { get; set; }

    // A stable action name, e.g. password_changed.
    public required string Action { get; set; }

    // What changed, in words (no secrets).
    public string? Detail { get; set; }

    // The staff account that acted, when it was not the customer.
    public Guid? ActorAccountId { get; set; }
}
