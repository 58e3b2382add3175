using Introserv.BuildingBlocks.Messaging;
using Microsoft.EntityFrameworkCore.Design;

namespace Introserv.BuildingBlocks.Tests.Messaging;

// A service database as the messaging tests need it: outbox, inbox and one table of effects.
public sealed class MessagingTestDbContext(DbContextOptions<MessagingTestDbContext> options) : DbContext(options)
{
    public DbSet<Effect> Effects => Set<Effect>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutboxAndInbox();
        modelBuilder.Entity<Effect>(effect =>
        {
            effect.ToTable("effects");
            effect.HasKey(e => e.Id);
            effect.Property(e => e.Kind).HasMaxLength(64);
        });
    }
}

// One applied consequence of a message (or of a business change in a test transaction).
public sealed class Effect
{
    public long Id { get; set; }

    public Guid MessageId { get; set; }

    public required string Kind { get; set; }

    public int Sequence { get; set; }
}

public sealed class MessagingTestDbContextFactory : IDesignTimeDbContextFactory<MessagingTestDbContext>
{
    public MessagingTestDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<MessagingTestDbContext>()
            .UseNpgsql("Host=localhost;Database=design_time_only").Options);
}
