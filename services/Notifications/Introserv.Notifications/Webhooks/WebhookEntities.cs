using Microsoft.EntityFrameworkCore;

namespace Introserv.Notifications.Webhooks;

// A receiver staff registered: where deliveries go, which event types (none listed: all) and the secrets that sign
// them. A rotated secret keeps signing beside the new one until PreviousSecretExpiresAt.
public sealed class WebhookEndpoint
{
    public const int MaxDescriptionLength = 500;

    public Guid Id { get; set; }

    public required string Url { get; set; }

    public string[] EventTypes { get; set; } = [];

    public string? Description { get; set; }

    public bool Enabled { get; set; }

    // Why the endpoint was disabled by the dispatcher (null when staff disabled it or it is enabled).
    public string? DisabledReason { get; set; }

    public DateTimeOffset? DisabledAt { get; set; }

    // The signing secret, encrypted (WebhookSecretProtector).
    public required string Secret { get; set; }

    // The secret before the last rotation, encrypted, while the overlap lasts.
    public string? PreviousSecret { get; set; }

    public DateTimeOffset? PreviousSecretExpiresAt { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    // The secrets (encrypted) a delivery made at now is signed with.
    public IEnumerable<string> SigningSecrets(DateTimeOffset now) =>
        PreviousSecret is { } previous && PreviousSecretExpiresAt > now ? [Secret, previous] : [Secret];
}

// An event as it is delivered: recorded once per event id, whatever the number of redeliveries.
public sealed class WebhookMessage
{
    public Guid Id { get; set; }

    public required string Type { get; set; }

    public Guid AccountId { get; set; }

    public Guid OrderingKey { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    public required string Payload { get; set; }

    public DateTimeOffset ReceivedAt { get; set; }

    // The webhook-id header: the same for every endpoint, attempt and replay of the event.
    public static string WebhookId(Guid messageId) => $"msg_{messageId:N}";
}

public static class WebhookDeliveryStatuses
{
    public const string Pending = "pending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";
}

// One event to one endpoint. An endpoint's pending deliveries of one ordering key go one at a time, oldest event
// first. A replay is a new delivery of the same message (the same webhook-id).
public sealed class WebhookDelivery
{
    public const int ErrorMaxLength = 500;

    public Guid Id { get; set; }

    public long Sequence { get; set; }

    public Guid EndpointId { get; set; }

    public Guid MessageId { get; set; }

    public Guid OrderingKey { get; set; }

    public DateTimeOffset OccurredAt { get; set; }

    public string Status { get; set; } = WebhookDeliveryStatuses.Pending;

    public int Attempts { get; set; }

    public DateTimeOffset NextAttemptAt { get; set; }

    public Guid? LeaseId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? DeliveredAt { get; set; }

    public int? LastStatusCode { get; set; }

    public string? LastError { get; set; }

    // The delivery this one replays, if it is a replay.
    public Guid? ReplayOf { get; set; }
}

// One try of a delivery, for the delivery log.
public sealed class WebhookAttempt
{
    public const int ResponseMaxLength = 1024;

    public long Id { get; set; }

    public Guid DeliveryId { get; set; }

    public DateTimeOffset AttemptedAt { get; set; }

    public int DurationMs { get; set; }

    public int? StatusCode { get; set; }

    public string? Error { get; set; }

    // The first ResponseMaxLength bytes of the answer.
    public string? ResponseBody { get; set; }
}

public static class WebhookModel
{
    public static ModelBuilder AddWebhooks(this ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.Entity<WebhookEndpoint>(endpoint =>
        {
            endpoint.ToTable("webhook_endpoints");
            endpoint.Property(e => e.Url).HasMaxLength(WebhookTargets.MaxUrlLength);
            endpoint.Property(e => e.Description).HasMaxLength(WebhookEndpoint.MaxDescriptionLength);
            endpoint.Property(e => e.DisabledReason).HasMaxLength(WebhookDelivery.ErrorMaxLength);
            endpoint.Property(e => e.Secret).HasMaxLength(200);
            endpoint.Property(e => e.PreviousSecret).HasMaxLength(200);
        });
        modelBuilder.Entity<WebhookMessage>(message =>
        {
            message.ToTable("webhook_messages");
            message.Property(m => m.Type).HasMaxLength(64);
            message.Property(m => m.Payload).HasColumnType("text");
            message.HasIndex(m => m.ReceivedAt);
            message.HasIndex(m => m.OccurredAt);
        });
        modelBuilder.Entity<WebhookDelivery>(delivery =>
        {
            delivery.ToTable("webhook_deliveries");
            delivery.Property(d => d.Sequence).UseIdentityByDefaultColumn();
            delivery.Property(d => d.Status).HasMaxLength(16);
            delivery.Property(d => d.LastError).HasMaxLength(WebhookDelivery.ErrorMaxLength);
            delivery.HasOne<WebhookEndpoint>().WithMany().HasForeignKey(d => d.EndpointId)
                .OnDelete(DeleteBehavior.Cascade);
            delivery.HasOne<WebhookMessage>().WithMany().HasForeignKey(d => d.MessageId)
                .OnDelete(DeleteBehavior.Cascade);
            // The dispatcher's claim: due pending deliveries, and whether an older one of the same order is pending.
            delivery.HasIndex(d => d.NextAttemptAt).HasFilter("\"Status\" = 'pending'")
                .HasDatabaseName("ix_webhook_deliveries_due");
            delivery.HasIndex(d => new { d.EndpointId, d.OrderingKey, d.OccurredAt, d.Sequence })
                .HasFilter("\"Status\" = 'pending'").HasDatabaseName("ix_webhook_deliveries_pending_order");
            delivery.HasIndex(d => new { d.EndpointId, d.Sequence });
            delivery.HasIndex(d => d.CreatedAt);
        });
        modelBuilder.Entity<WebhookAttempt>(attempt =>
        {
            attempt.ToTable("webhook_attempts");
            attempt.Property(a => a.Id).UseIdentityByDefaultColumn();
            attempt.Property(a => a.Error).HasMaxLength(WebhookDelivery.ErrorMaxLength);
            attempt.Property(a => a.ResponseBody).HasMaxLength(WebhookAttempt.ResponseMaxLength);
            attempt.HasOne<WebhookDelivery>().WithMany().HasForeignKey(a => a.DeliveryId)
                .OnDelete(DeleteBehavior.Cascade);
            attempt.HasIndex(a => new { a.DeliveryId, a.Id });
        });
        return modelBuilder;
    }
}
