using Introserv.BuildingBlocks.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Orders.Data;

public sealed class OrdersDbContext(DbContextOptions<OrdersDbContext> options) : DbContext(options)
{
    public DbSet<Plan> Plans => Set<Plan>();

    public DbSet<BalanceAccount> Balances => Set<BalanceAccount>();

    public DbSet<LedgerEntry> Ledger => Set<LedgerEntry>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddOutboxAndInbox();
        modelBuilder.Entity<Plan>(plan =>
        {
            plan.ToTable("plans");
            plan.Property(p => p.Id).HasMaxLength(32);
            plan.Property(p => p.Name).HasMaxLength(100);
            plan.Property(p => p.Type).HasMaxLength(16);
            plan.Property(p => p.Currency).HasMaxLength(3).IsFixedLength();
            plan.Property(p => p.MonthlyPrice).HasPrecision(18, 2);
            plan.Property(p => p.SetupFee).HasPrecision(18, 2);
            plan.HasMany(p => p.Periods).WithOne().HasForeignKey(p => p.PlanId);
            plan.HasData(PlanCatalogue.Plans);
        });
        modelBuilder.Entity<PlanPeriod>(period =>
        {
            period.ToTable("plan_periods");
            period.HasKey(p => new { p.PlanId, p.Months });
            period.Property(p => p.DiscountPercent).HasPrecision(5, 2);
            period.HasData(PlanCatalogue.Periods);
        });
        modelBuilder.Entity<BalanceAccount>(account =>
        {
            account.ToTable("balances");
            account.HasKey(a => a.AccountId);
            account.Property(a => a.Balance).HasPrecision(18, 2);
            account.Property(a => a.Currency).HasMaxLength(3).IsFixedLength();
            account.ToTable(t => t.HasCheckConstraint("ck_balances_not_negative", "\"Balance\" >= 0"));
        });
        modelBuilder.Entity<LedgerEntry>(entry =>
        {
            entry.ToTable("ledger_entries");
            entry.Property(e => e.Amount).HasPrecision(18, 2);
            entry.Property(e => e.BalanceAfter).HasPrecision(18, 2);
            entry.Property(e => e.Currency).HasMaxLength(3).IsFixedLength();
            entry.Property(e => e.Reason).HasMaxLength(32);
            entry.Property(e => e.ReferenceType).HasMaxLength(32);
            entry.Property(e => e.ReferenceId).HasMaxLength(100);
            entry.Property(e => e.Note).HasMaxLength(500);
            entry.HasIndex(e => new { e.AccountId, e.Sequence }).IsUnique();
            // A payment (top-up) is credited once, however often its notification arrives.
            entry.HasIndex(e => new { e.AccountId, e.ReferenceType, e.ReferenceId }).IsUnique().HasFilter("\"ReferenceType\" = 'payment'");
        });
    }
}
