using Introserv.BuildingBlocks.Data;

namespace Introserv.Notifications.Data;

// Where an account's messages go. A category address equal to the account email follows it when it changes. The version
// moves with what the customer sees in the settings; bookkeeping marked NotVersionedAttribute changes alone do not
// refuse a customer's edit.
public sealed class NotificationSettings : IVersioned
{
    public Guid AccountId { get; set; }

    public required string AccountEmail { get; set; }

    // For the greeting.
    [NotVersioned]
    public required string FirstName { get; set; }

    public bool NewsSubscription { get; set; }

    // Alert when the balance falls below this; null: no alerts.
    public decimal? BalanceAlertThreshold { get; set; }

    public string? BalanceAlertCurrency { get; set; }

    // Whether the balance is below the threshold now (an alert goes out once per crossing).
    [NotVersioned]
    public bool BalanceBelowThreshold { get; set; }

    // The newest ledger sequence seen, so an older BalanceChanged arriving late changes nothing.
    [NotVersioned]
    public long BalanceSequence { get; set; }

    // Profile's version of the newest EmailChanged applied, so an older one arriving late changes nothing.
    [NotVersioned]
    public int? EmailProfileVersion { get; set; }

    // Whether the account address is confirmed (news goes only to a confirmed address).
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

// One message to one recipient: what the customer's notification log shows, and the delivery state. (SourceEventId,
// Type, Recipient) is unique, so one event never sends a message twice.
public sealed class Notification
{
    public const int ErrorMaxLength = 500;

    public Guid Id { get; set; }

    // Database-assigned, increasing: the notification log's paging cursor.
    public long Sequence { get; set; }

    public Guid AccountId { get; set; }

    public Guid SourceEventId { get; set; }

    public required string Type { get; set; }

    // account, security, invoices_orders, support, complaints, news.
    public required string Category { get; set; }

    public required string Recipient { get; set; }

    public required string Subject { get; set; }

    public required string TextBody { get; set; }

    public required string HtmlBody { get; set; }

    public string Status { get; set; } = NotificationStatuses.Queued;

    // Deliveries tried for this message (a connection that failed counts for each message it was to carry).
    public int Attempts { get; set; }

    public string? LastError { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    // When the message is due; while a worker holds it, when its lease ends.
    public DateTimeOffset NextAttemptAt { get; set; }

    // The claim of the worker holding the message; its writes count only while the claim is still its own.
    public Guid? LeaseId { get; set; }

    public DateTimeOffset? SentAt { get; set; }
}
