using Introserv.BuildingBlocks.Messaging;

namespace Introserv.Profile.Data;

public sealed class ProfileDbContext(DbContextOptions<ProfileDbContext> options) : DbContext(options)
{
    public DbSet<CustomerProfile> Profiles => Set<CustomerProfile>();

    public DbSet<EmailChangeRequest> EmailChangeRequests => Set<EmailChangeRequest>();

    public DbSet<ProfileAuditEntry> AuditEntries => Set<ProfileAuditEntry>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutboxAndInbox();
        modelBuilder.Entity<CustomerProfile>(profile =>
        {
            profile.ToTable("profiles");
            profile.HasKey(p => p.AccountId);
            profile.Property(p => p.Login).HasMaxLength(64);
            profile.Property(p => p.FirstName).HasMaxLength(100);
            profile.Property(p => p.LastName).HasMaxLength(100);
            profile.Property(p => p.City).HasMaxLength(100);
            profile.Property(p => p.Address).HasMaxLength(200);
            profile.Property(p => p.Email).HasMaxLength(254);
            profile.Property(p => p.Phone).HasMaxLength(20);
            profile.Property(p => p.Country).HasMaxLength(2).IsFixedLength();
            profile.Property(p => p.ProfileType).HasMaxLength(16);
            profile.Property(p => p.CompanyName).HasMaxLength(200);
            profile.Property(p => p.CompanyRegistrationNumber).HasMaxLength(50);
            profile.Property(p => p.VatId).HasMaxLength(20);
            profile.Property(p => p.CompanyVerification).HasMaxLength(16);
            profile.Property(p => p.CompanyVerificationReason).HasMaxLength(500);
            profile.Property(p => p.Version).IsConcurrencyToken();
            profile.OwnsOne(p => p.PostalAddress, postal =>
            {
                postal.Property(a => a.Recipient).HasColumnName("postal_recipient").HasMaxLength(200);
                postal.Property(a => a.Street).HasColumnName("postal_street").HasMaxLength(200);
                postal.Property(a => a.City).HasColumnName("postal_city").HasMaxLength(100);
                postal.Property(a => a.PostalCode).HasColumnName("postal_code").HasMaxLength(20);
                postal.Property(a => a.Country).HasColumnName("postal_country").HasMaxLength(2).IsFixedLength();
                postal.Ignore(a => a.IsComplete);
            });
            profile.Navigation(p => p.PostalAddress).IsRequired();
        });
        modelBuilder.Entity<EmailChangeRequest>(request =>
        {
            request.ToTable("email_change_requests");
            request.Property(r => r.NewEmail).HasMaxLength(254);
            request.Property(r => r.TokenHash).HasMaxLength(64);
            request.HasIndex(r => r.TokenHash).IsUnique();
            request.HasIndex(r => new { r.AccountId, r.RequestedAt });
        });
        modelBuilder.Entity<ProfileAuditEntry>(entry =>
        {
            entry.ToTable("profile_audit");
            entry.Property(e => e.Actor).HasMaxLength(16);
            entry.Property(e => e.Ip).HasMaxLength(45);
            entry.Property(e => e.Field).HasMaxLength(64);
            entry.Property(e => e.OldValue).HasMaxLength(ProfileAuditEntry.ValueMaxLength);
            entry.Property(e => e.NewValue).HasMaxLength(ProfileAuditEntry.ValueMaxLength);
            entry.Property(e => e.Reason).HasMaxLength(500);
            entry.HasIndex(e => new { e.AccountId, e.Id });
        });
    }
}
