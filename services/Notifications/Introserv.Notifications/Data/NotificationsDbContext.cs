using Introserv.BuildingBlocks.Messaging;
using Introserv.Notifications.Webhooks;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Notifications.Data;

public sealed class NotificationsDbContext(DbContextOptions<NotificationsDbContext> options) : DbContext(options)
{
    public DbSet<NotificationSettings> Settings => Set<NotificationSettings>();

    public DbSet<Notification> Notifications => Set<Notification>();

    public DbSet<WebhookEndpoint> WebhookEndpoints => Set<WebhookEndpoint>();

    public DbSet<WebhookMessage> WebhookMessages => Set<WebhookMessage>();

    public DbSet<WebhookDelivery> WebhookDeliveries => Set<WebhookDelivery>();

    public DbSet<WebhookAttempt> WebhookAttempts => Set<WebhookAttempt>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutboxAndInbox();
        modelBuilder.AddWebhooks();
        modelBuilder.Entity<NotificationSettings>(settings =>
        {
            settings.ToTable("notification_settings");
            settings.HasKey(s => s.AccountId);
            settings.Property(s => s.AccountEmail).HasMaxLength(254);
            settings.Property(s => s.FirstName).HasMaxLength(100);
            settings.Property(s => s.InvoicesOrdersEmail).HasMaxLength(254);
            settings.Property(s => s.SupportEmail).HasMaxLength(254);
            settings.Property(s => s.ComplaintsEmail).HasMaxLength(254);
            settings.Property(s => s.BalanceAlertThreshold).HasPrecision(18, 2);
            settings.Property(s => s.BalanceAlertCurrency).HasMaxLength(3).IsFixedLength();
            settings.Property(s => s.Version).IsConcurrencyToken();
        });
        modelBuilder.Entity<Notification>(notification =>
        {
            notification.ToTable("notifications");
            notification.Property(n => n.Type).HasMaxLength(64);
            notification.Property(n => n.Category).HasMaxLength(32);
            notification.Property(n => n.Recipient).HasMaxLength(254);
            notification.Property(n => n.Subject).HasMaxLength(300);
            notification.Property(n => n.Status).HasMaxLength(16);
            notification.Property(n => n.LastError).HasMaxLength(Notification.ErrorMaxLength);
            notification.HasIndex(n => new { n.SourceEventId, n.Type, n.Recipient }).IsUnique();
            notification.Property(n => n.Sequence).UseIdentityByDefaultColumn();
            notification.HasIndex(n => new { n.AccountId, n.Sequence });
            notification.HasIndex(n => new { n.Status, n.NextAttemptAt });
        });
    }
}
