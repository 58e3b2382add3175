using Introserv.BuildingBlocks.Data;

namespace Introserv.Notifications.Data;

/// <summary>
/// Where an account's messages go. A category address equal to the account email follows it when it changes. The
/// version moves with what the customer sees in the settings; bookkeeping marked <see cref="NotVersionedAttribute"/>
/// changes alone do not refuse a customer's edit.
/// </summary>
public sealed class NotificationSettings : IVersioned
{
    public Guid AccountId { get; set; }

    public required string AccountEmail { get; set; }

    /// <summary>For the greeting.</summary>
    [NotVersioned]
    public required string FirstName { get; set; }

    public bool NewsSubscription { get; set; }

    /// <summary>Alert when the balance falls below this; null: no alerts.</summary>
    public decimal? BalanceAlertThreshold { get; set; }

    public string? BalanceAlertCurrency { get; set; }

    /// <summary>Whether the balance is below the threshold now (an alert goes out once per crossing).</summary>
    [NotVersioned]
    public bool BalanceBelowThreshold { get; set; }

    /// <summary>The newest ledger sequence seen, so an older <c>BalanceChanged</c> arriving late changes nothing.</summary>
    [NotVersioned]
    public long BalanceSequence { get; set; }

    /// <summary>Profile's version of the newest <c>EmailChanged</c> applied, so an older one arriving late changes nothing.</summary>
    [NotVersioned]
    public int? EmailProfileVersion { get; set; }

    /// <summary>Whether the account address is confirmed (news goes only to a confirmed address).</summary>
    [NotVersioned]
    public bool AccountEmailConfirmed { get; set; }

    public required string InvoicesOrdersEmail { get; set; }

    public required string SupportEmail { get; set; }

    public required string ComplaintsEmail { get; set; }

    public int Version { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

public static class NotificationStatuses
{
    public const string Queued = "queued";
    public const string Sent = "sent";
    public const string Failed = "failed";
}

/// <summary>
/// One message to one recipient: what the customer's notification log shows, and the delivery state.
/// (<see cref="SourceEventId"/>, <see cref="Type"/>, <see cref="Recipient"/>) is unique, so one event never sends a message twice.
/// </summary>
public sealed class Notification
{
    public const int ErrorMaxLength = 500;

    public Guid Id { get; set; }

    /// <summary>Database-assigned, increasing: the notification log's paging cursor.</summary>
    public long Sequence { get; set; }

    public Guid AccountId { get; set; }

    public Guid SourceEventId { get; set; }

    public required string Type { get; set; }

    /// <summary><c>account</c>, <c>security</c>, <c>invoices_orders</c>, <c>support</c>, <c>complaints</c>, <c>news</c>.</summary>
    public required string Category { get; set; }

    public required string Recipient { get; set; }

    public required string Subject { get; set; }

    public required string TextBody { get; set; }

    public required string HtmlBody { get; set; }

    public string Status { get; set; } = NotificationStatuses.Queued;

    /// <summary>Deliveries tried for this message (a connection that failed counts for each message it was to carry).</summary>
    public int Attempts { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the message is due; while a worker holds it, when its lease ends.</summary>
    public DateTimeOffset NextAttemptAt { get; set; }

    /// <summary>The claim of the worker holding the message; its writes count only while the claim is still its own.</summary>
    public Guid? LeaseId { get; set; }

    public DateTimeOffset? SentAt { get; set; }
}
