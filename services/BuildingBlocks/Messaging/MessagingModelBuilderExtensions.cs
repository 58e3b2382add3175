using Microsoft.EntityFrameworkCore;

namespace Introserv.BuildingBlocks.Messaging;

public static class MessagingModelBuilderExtensions
{
    // Adds the outbox, outbox dead-letter and inbox tables to a service's model.
    public static ModelBuilder AddOutboxAndInbox(this ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<OutboxMessage>(outbox =>
        {
            outbox.ToTable("outbox_messages");
            // Every publish leaves a dead row version and a dead entry in the pending index until a vacuum; the
            // default (a fifth of the table) waits longer the more sent rows are kept, and the dispatcher's scan of
            // pending rows walks every dead entry. Vacuumed once a thousand rows have changed (at most once per
            // autovacuum_naptime), it stays short.
            outbox.HasStorageParameter("autovacuum_vacuum_scale_factor", 0);
            outbox.HasStorageParameter("autovacuum_vacuum_threshold", 1000);
            outbox.HasKey(m => m.Id);
            outbox.Property(m => m.Id).HasColumnName("id");
            outbox.Property(m => m.MessageType).HasColumnName("message_type").HasMaxLength(512);
            outbox.Property(m => m.Payload).HasColumnName("payload").HasColumnType("jsonb");
            outbox.Property(m => m.TraceParent).HasColumnName("trace_parent").HasMaxLength(128);
            outbox.Property(m => m.CreatedAt).HasColumnName("created_at");
            outbox.Property(m => m.SentAt).HasColumnName("sent_at");
            outbox.Property(m => m.Attempts).HasColumnName("attempts");
            outbox.Property(m => m.LastError).HasColumnName("last_error").HasMaxLength(2000);
            outbox.Property(m => m.NextAttemptAt).HasColumnName("next_attempt_at");
            // The dispatcher scans pending rows in creation order; sent rows are only pruned.
            outbox.HasIndex(m => m.CreatedAt)
                .HasDatabaseName("ix_outbox_messages_pending")
                .HasFilter("sent_at IS NULL");
            outbox.HasIndex(m => m.SentAt).HasDatabaseName("ix_outbox_messages_sent_at");
        });

        modelBuilder.Entity<OutboxDeadLetter>(dead =>
        {
            dead.ToTable("outbox_dead_letters");
            dead.HasKey(m => m.Id);
            dead.Property(m => m.Id).HasColumnName("id");
            dead.Property(m => m.MessageType).HasColumnName("message_type").HasMaxLength(512);
            dead.Property(m => m.Payload).HasColumnName("payload").HasColumnType("jsonb");
            dead.Property(m => m.TraceParent).HasColumnName("trace_parent").HasMaxLength(128);
            dead.Property(m => m.CreatedAt).HasColumnName("created_at");
            dead.Property(m => m.DeadLetteredAt).HasColumnName("dead_lettered_at");
            dead.Property(m => m.Attempts).HasColumnName("attempts");
            dead.Property(m => m.LastError).HasColumnName("last_error").HasMaxLength(2000);
        });

        modelBuilder.Entity<InboxMessage>(inbox =>
        {
            inbox.ToTable("inbox_messages");
            inbox.HasKey(m => new { m.Consumer, m.MessageId });
            inbox.Property(m => m.Consumer).HasColumnName("consumer").HasMaxLength(256);
            inbox.Property(m => m.MessageId).HasColumnName("message_id");
            inbox.Property(m => m.ProcessedAt).HasColumnName("processed_at");
            inbox.HasIndex(m => m.ProcessedAt).HasDatabaseName("ix_inbox_messages_processed_at");
        });
        return modelBuilder;
    }
}
