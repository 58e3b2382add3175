using Introserv.BuildingBlocks.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Verification.Data;

public sealed class VerificationDbContext(DbContextOptions<VerificationDbContext> options) : DbContext(options)
{
    public DbSet<GatewayAttempt> GatewayAttempts => Set<GatewayAttempt>();

    public DbSet<VerifiedPhone> VerifiedPhones => Set<VerifiedPhone>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutboxAndInbox();
        modelBuilder.Entity<GatewayAttempt>(attempt =>
        {
            attempt.ToTable("gateway_attempts");
            attempt.Property(a => a.Delivery).HasMaxLength(16);
            attempt.Property(a => a.MaskedPhone).HasMaxLength(32);
            attempt.Property(a => a.GatewayRole).HasMaxLength(16);
            attempt.Property(a => a.GatewayName).HasMaxLength(64);
            attempt.Property(a => a.Outcome).HasMaxLength(32);
            attempt.Property(a => a.Error).HasMaxLength(GatewayAttempt.ErrorMaxLength);
            attempt.HasIndex(a => new { a.AccountId, a.At });
            attempt.HasIndex(a => a.ChallengeId);
        });
        modelBuilder.Entity<VerifiedPhone>(phone =>
        {
            phone.ToTable("verified_phones");
            phone.HasKey(p => p.AccountId);
            phone.Property(p => p.Phone).HasMaxLength(20);
        });
    }
}
