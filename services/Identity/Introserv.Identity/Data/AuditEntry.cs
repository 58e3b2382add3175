namespace Introserv.Identity.Data;

/// <summary>A change to an account's security settings, readable by the customer. Never holds a secret.</summary>
public sealed class AuditEntry
{
    public const int ActionMaxLength = 64;
    public const int DetailMaxLength = 4000;

    public long Id { get; set; }

    public Guid AccountId { get; set; }

    public DateTimeOffset At { get; set; }

    public string? Ip { get; set; }

    /// <summary>A stable action name, e.g. <c>password_changed</c>.</summary>
    public required string Action { get; set; }

    /// <summary>What changed, in words (no secrets).</summary>
    public string? Detail { get; set; }

    /// <summary>The staff account that acted, when it was not the customer.</summary>
    public Guid? ActorAccountId { get; set; }
}
