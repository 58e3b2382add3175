using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Features.Registration;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;

namespace Introserv.Identity.Data;

public sealed class IdentityServiceDbContext(DbContextOptions<IdentityServiceDbContext> options)
    : IdentityDbContext<Account, IdentityRole<Guid>, Guid>(options), IDataProtectionKeyContext
{
    public DbSet<AccountSession> Sessions => Set<AccountSession>();

    public DbSet<LoginAttempt> LoginAttempts => Set<LoginAttempt>();

    public DbSet<AuditEntry> AuditEntries => Set<AuditEntry>();

    public DbSet<RecoveryCode> RecoveryCodes => Set<RecoveryCode>();

    public DbSet<PasswordHistoryEntry> PasswordHistory => Set<PasswordHistoryEntry>();

    public DbSet<PasswordReset> PasswordResets => Set<PasswordReset>();

    public DbSet<PasskeyCeremony> PasskeyCeremonies => Set<PasskeyCeremony>();

    // The Data Protection key ring, shared by every replica (cookies, protected TOTP secrets).
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        // Identity's schema version comes from IdentityOptions.Stores (3, with the passkeys table: see
        // AddIdentityServices and DesignTimeDbContextFactory).
        base.OnModelCreating(builder);
        builder.UseOpenIddict<Guid>();
        builder.AddOutboxAndInbox();
        builder.Entity<Account>(account =>
        {
            account.Property(a => a.FirstName).HasMaxLength(RegistrationRules.NameMaxLength);
            account.Property(a => a.LastName).HasMaxLength(RegistrationRules.NameMaxLength);
            account.Property(a => a.SecurityCodeHash).HasMaxLength(256);
            account.Property(a => a.LastAccessIp).HasMaxLength(64);
            account.Property(a => a.TotpSecret).HasMaxLength(1024);
            account.Property(a => a.PendingTotpSecret).HasMaxLength(1024);
        });
        // The two roles are data the code relies on, so they come with the schema.
        builder.Entity<IdentityRole<Guid>>().HasData(
            new IdentityRole<Guid>
            {
                Id = RoleIds.CustomerRoleId,
                Name = AuthenticationExtensions.CustomerRole,
                NormalizedName = AuthenticationExtensions.CustomerRole.ToUpperInvariant(),
                ConcurrencyStamp = "customer",
            },
            new IdentityRole<Guid>
            {
                Id = RoleIds.StaffRoleId,
                Name = AuthenticationExtensions.StaffRole,
                NormalizedName = AuthenticationExtensions.StaffRole.ToUpperInvariant(),
                ConcurrencyStamp = "staff",
            });
        builder.Entity<AccountSession>(session =>
        {
            session.ToTable("Sessions");
            session.HasKey(s => s.Id);
            session.Property(s => s.Id).ValueGeneratedNever();
            session.Property(s => s.ClientId).HasMaxLength(100);
            session.Property(s => s.CreatedIp).HasMaxLength(64);
            session.Property(s => s.LastIp).HasMaxLength(64);
            session.Property(s => s.UserAgent).HasMaxLength(AccountSession.UserAgentMaxLength);
            session.Property(s => s.AuthenticationMethods).HasMaxLength(64);
            session.HasIndex(s => new { s.AccountId, s.RevokedAt });
            session.HasOne<Account>().WithMany().HasForeignKey(s => s.AccountId).OnDelete(DeleteBehavior.Cascade);
        });
        builder.Entity<LoginAttempt>(attempt =>
        {
            attempt.ToTable("LoginAttempts");
            attempt.Property(a => a.Login).HasMaxLength(LoginAttempt.LoginMaxLength);
            attempt.Property(a => a.Ip).HasMaxLength(64);
            attempt.Property(a => a.UserAgent).HasMaxLength(AccountSession.UserAgentMaxLength);
            attempt.Property(a => a.Outcome).HasConversion<string>().HasMaxLength(32);
            attempt.HasIndex(a => new { a.AccountId, a.At });
            attempt.HasIndex(a => new { a.Login, a.At });
            attempt.HasIndex(a => new { a.Ip, a.At });
        });
        builder.Entity<AuditEntry>(entry =>
        {
            entry.ToTable("AuditEntries");
            entry.Property(e => e.Action).HasMaxLength(AuditEntry.ActionMaxLength);
            entry.Property(e => e.Detail).HasMaxLength(AuditEntry.DetailMaxLength);
            entry.Property(e => e.Ip).HasMaxLength(64);
            entry.HasIndex(e => new { e.AccountId, e.Id });
            entry.HasIndex(e => new { e.AccountId, e.Action, e.At });
        });
        builder.Entity<RecoveryCode>(code =>
        {
            code.ToTable("RecoveryCodes");
            code.Property(c => c.CodeHash).HasMaxLength(64);
            code.HasIndex(c => new { c.AccountId, c.CodeHash }).IsUnique();
        });
        builder.Entity<PasskeyCeremony>(ceremony =>
        {
            ceremony.ToTable("PasskeyCeremonies");
            ceremony.Property(c => c.Id).ValueGeneratedNever();
            ceremony.Property(c => c.Purpose).HasMaxLength(32);
            ceremony.HasIndex(c => c.ExpiresAt);
        });
        builder.Entity<PasswordReset>(reset =>
        {
            reset.ToTable("PasswordResets");
            reset.Property(r => r.RequestedFrom).HasMaxLength(45);
            reset.Property(r => r.TokenHash).HasMaxLength(64);
            reset.HasIndex(r => r.TokenHash).IsUnique().HasFilter("\"TokenHash\" IS NOT NULL");
            reset.HasIndex(r => new { r.RequestedFrom, r.RequestedAt });
            reset.HasIndex(r => new { r.AccountId, r.RequestedAt });
        });
        builder.Entity<PasswordHistoryEntry>(entry =>
        {
            entry.ToTable("PasswordHistory");
            entry.Property(e => e.PasswordHash).HasMaxLength(512);
            entry.HasIndex(e => new { e.AccountId, e.CreatedAt });
        });
    }
}
