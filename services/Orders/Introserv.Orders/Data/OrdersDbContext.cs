using System.Text.Json;
using Introserv.BuildingBlocks.Messaging;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace Introserv.Orders.Data;

public sealed class OrdersDbContext(DbContextOptions<OrdersDbContext> options) : DbContext(options)
{
    // Events that name a new invoice's number, which the database gives at insert (InvoiceNumbers): added right
    // after the insert, in the same transaction.
    private readonly List<(Invoice Invoice, Action<string> Add)> _awaitingNumbers = [];

    // Changes that need what the database gave on insert (an answer naming new rows' numbers): made right after the
    // next save and written with the numbered invoices' events, in one more batch, inside the caller's transaction.
    private readonly List<Action> _afterSave = [];

    public DbSet<Plan> Plans => Set<Plan>();

    public DbSet<BalanceAccount> Balances => Set<BalanceAccount>();

    public DbSet<LedgerEntry> Ledger => Set<LedgerEntry>();

    public DbSet<Order> Orders => Set<Order>();

    public DbSet<OrderStatusChange> StatusChanges => Set<OrderStatusChange>();

    public DbSet<Invoice> Invoices => Set<Invoice>();

    public DbSet<PoolAddress> AddressPool => Set<PoolAddress>();

    public DbSet<IdempotencyRecord> IdempotencyRecords => Set<IdempotencyRecord>();

    public DbSet<Quote> Quotes => Set<Quote>();

    public DbSet<InvoiceNumberCounter> InvoiceNumberCounters => Set<InvoiceNumberCounter>();

    public DbSet<RenewalReminder> RenewalReminders => Set<RenewalReminder>();

    public DbSet<TopUp> TopUps => Set<TopUp>();

    // Adds the events of an invoice that name its number: at once when it has one, otherwise when the insert that
    // numbers it is saved (inside the caller's transaction). An invoice that is never written gets no event.
    public void AddInvoiceEvents(Invoice invoice, Action<string> add)
    {
        ArgumentNullException.ThrowIfNull(invoice);
        ArgumentNullException.ThrowIfNull(add);
        if (invoice.Number is not null)
        {
            add(invoice.Number);
        }
        else
        {
            _awaitingNumbers.Add((invoice, add));
        }
    }

    // Runs change right after the next save (see _afterSave); the caller saves (SaveChangesAsync), inside a
    // transaction.
    public void AfterSave(Action change)
    {
        ArgumentNullException.ThrowIfNull(change);
        _afterSave.Add(change);
    }

    public override async Task<int> SaveChangesAsync(
        bool acceptAllChangesOnSuccess, CancellationToken cancellationToken = default)
    {
        int saved;
        try
        {
            saved = await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
        }
        catch
        {
            // The unit is run again from the start (or abandoned): nothing it waited for is kept for the next one.
            _awaitingNumbers.Clear();
            _afterSave.Clear();
            throw;
        }

        if (_awaitingNumbers.Count == 0 && _afterSave.Count == 0)
        {
            return saved;
        }

        // Only invoices this save wrote: a refused request cleared what it had tracked (its invoice was not written),
        // and a pooled context may still hold what an earlier lease left.
        var written = _awaitingNumbers.Where(w => Entry(w.Invoice).State == EntityState.Unchanged).ToList();
        var afterSave = _afterSave.ToList();
        _awaitingNumbers.Clear();
        _afterSave.Clear();
        if (written.Count == 0 && afterSave.Count == 0)
        {
            return saved;
        }

        if (Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("An invoice is written inside a transaction, with its events.");
        }

        foreach (var (invoice, add) in written)
        {
            add(invoice.Number ?? throw new InvalidOperationException("The database gave the invoice no number."));
        }

        foreach (var change in afterSave)
        {
            change();
        }

        return saved + await base.SaveChangesAsync(acceptAllChangesOnSuccess, cancellationToken);
    }

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
            plan.Ignore(p => p.FormFields);
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
            // A payment (top-up) is credited once, to one account, however often its notification arrives.
            entry.HasIndex(e => new { e.ReferenceType, e.ReferenceId })
                .IsUnique()
                .HasFilter("\"ReferenceType\" = 'payment'");
        });
        modelBuilder.Entity<Order>(order =>
        {
            order.ToTable("orders");
            order.Property(o => o.PlanId).HasMaxLength(32);
            order.Property(o => o.Status).HasMaxLength(32);
            order.Property(o => o.IpAddress).HasMaxLength(45);
            order.Property(o => o.PeriodPrice).HasPrecision(18, 2);
            order.Property(o => o.TermValue).HasPrecision(18, 2);
            order.Property(o => o.RefundableValue).HasPrecision(18, 2);
            order.Property(o => o.TaxRate).HasPrecision(7, 4);
            order.Property(o => o.TaxRule).HasMaxLength(32);
            order.Property(o => o.TaxCountry).HasMaxLength(2);
            order.ToTable(t => t.HasCheckConstraint(
                "ck_orders_refundable_value", "\"RefundableValue\" >= 0 AND \"RefundableValue\" <= \"TermValue\""));
            order.Property(o => o.CancellationReason).HasMaxLength(500);
            order.ToTable(t => t.HasCheckConstraint("ck_orders_term_value_not_negative", "\"TermValue\" >= 0"));
            order.Property(o => o.Currency).HasMaxLength(3).IsFixedLength();
            order.Property(o => o.Version).IsConcurrencyToken();
            order.HasMany(o => o.Timeline).WithOne().HasForeignKey(c => c.OrderId);
            // The order form's values as a JSON object ({"os": "debian-12", "hostname": "web1.example.com"}).
            order.Property(o => o.Fields)
                .HasColumnType("jsonb")
                .HasDefaultValueSql("'{}'::jsonb")
                .HasConversion(
                    fields => JsonSerializer.Serialize(fields, (JsonSerializerOptions?)null),
                    json => JsonSerializer.Deserialize<Dictionary<string, string>>(json, (JsonSerializerOptions?)null)
                        ?? new Dictionary<string, string>(),
                    new ValueComparer<Dictionary<string, string>>(
                        (a, b) => a!.Count == b!.Count && !a.Except(b).Any(),
                        fields => fields.Aggregate(0, (hash, pair) => hash ^ pair.GetHashCode()),
                        fields => new Dictionary<string, string>(fields)));
            order.Property(o => o.Number).UseIdentityByDefaultColumn().HasIdentityOptions(startValue: 100001);
            order.HasIndex(o => o.Number).IsUnique();
            order.HasIndex(o => new { o.AccountId, o.CreatedAt });
            // The lifecycle job's scan: unfinished orders by the date that moves them.
            order.HasIndex(o => new { o.Status, o.PaidUntil });
        });
        modelBuilder.Entity<OrderStatusChange>(change =>
        {
            change.ToTable("order_status_changes");
            change.Property(c => c.Status).HasMaxLength(32);
            change.Property(c => c.Note).HasMaxLength(500);
        });
        modelBuilder.Entity<Invoice>(invoice =>
        {
            invoice.ToTable("invoices");
            invoice.Property(i => i.Kind).HasMaxLength(16);
            invoice.Property(i => i.Description).HasMaxLength(200);
            invoice.Property(i => i.Amount).HasPrecision(18, 2);
            invoice.Property(i => i.NetAmount).HasPrecision(18, 2);
            invoice.Property(i => i.TaxAmount).HasPrecision(18, 2);
            invoice.Property(i => i.TaxRate).HasPrecision(7, 4);
            invoice.Property(i => i.TaxRule).HasMaxLength(32);
            invoice.Property(i => i.TaxCountry).HasMaxLength(2);
            invoice.ToTable(t => t.HasCheckConstraint(
                "ck_invoices_gross_is_net_plus_tax", "\"Amount\" = \"NetAmount\" + \"TaxAmount\""));
            invoice.Property(i => i.Currency).HasMaxLength(3).IsFixedLength();
            invoice.Property(i => i.Status).HasMaxLength(16);
            // Given by the invoices_number trigger (InvoiceNumbers) and read back on insert.
            invoice.Property(i => i.Number).HasMaxLength(16).IsRequired().ValueGeneratedOnAdd();
            invoice.HasIndex(i => i.Number).IsUnique();
            invoice.HasIndex(i => new { i.AccountId, i.IssuedAt });
            // An order's invoices (voided when it ends, paid when a pending order is paid).
            invoice.HasIndex(i => i.OrderId);
        });
        modelBuilder.Entity<InvoiceNumberCounter>(counter =>
        {
            counter.ToTable("invoice_number_counters");
            counter.HasKey(c => c.Year);
            counter.Property(c => c.Year).ValueGeneratedNever();
        });
        modelBuilder.Entity<RenewalReminder>(reminder =>
        {
            reminder.ToTable("renewal_reminders");
            reminder.HasKey(r => new { r.OrderId, r.PaidUntil, r.DaysAhead });
        });
        modelBuilder.Entity<TopUp>(topUp =>
        {
            topUp.ToTable("top_ups");
            topUp.Property(t => t.Id).ValueGeneratedNever();
            topUp.Property(t => t.Amount).HasPrecision(18, 2);
            topUp.Property(t => t.Currency).HasMaxLength(3).IsFixedLength();
            topUp.Property(t => t.Method).HasMaxLength(32);
            topUp.Property(t => t.Provider).HasMaxLength(32);
            topUp.Property(t => t.ProviderPaymentId).HasMaxLength(64);
            topUp.Property(t => t.RedirectUrl).HasMaxLength(2000);
            topUp.Property(t => t.Status).HasMaxLength(16);
            topUp.Property(t => t.FailureReason).HasMaxLength(200);
            topUp.Property(t => t.Anomaly).HasMaxLength(200);
            // One top-up per provider payment (and so one credit).
            topUp.HasIndex(t => new { t.Provider, t.ProviderPaymentId }).IsUnique();
            topUp.HasIndex(t => new { t.AccountId, t.CreatedAt });
        });
        modelBuilder.Entity<PoolAddress>(address =>
        {
            address.ToTable("address_pool");
            address.HasKey(a => a.Address);
            address.Property(a => a.Address).HasMaxLength(45);
            address.HasIndex(a => a.OrderId).IsUnique().HasFilter("\"OrderId\" IS NOT NULL");
            // Taking an address reads the first free one: without this index it would pass every assigned address.
            address.HasIndex(a => a.Address, "ix_address_pool_free")
                .HasFilter("\"OrderId\" IS NULL AND \"RetiredAt\" IS NULL");
            address.Property(a => a.AddedAt).HasDefaultValueSql("now()");
        });
        modelBuilder.Entity<IdempotencyRecord>(record =>
        {
            record.ToTable("idempotency_records");
            record.HasKey(r => new { r.AccountId, r.Key });
            record.Property(r => r.Key).HasMaxLength(100);
            record.Property(r => r.Operation).HasMaxLength(32);
            record.Property(r => r.RequestHash).HasMaxLength(64);
            record.HasIndex(r => r.CreatedAt);
        });
        modelBuilder.Entity<Quote>(quote =>
        {
            quote.ToTable("quotes");
            quote.Property(q => q.Kind).HasMaxLength(16);
            quote.Property(q => q.TargetPlanId).HasMaxLength(32);
            quote.Property(q => q.Amount).HasPrecision(18, 2);
            quote.Property(q => q.NetAmount).HasPrecision(18, 2);
            quote.Property(q => q.TaxRate).HasPrecision(7, 4);
            quote.Property(q => q.NewTaxRate).HasPrecision(7, 4);
            quote.Property(q => q.TaxRule).HasMaxLength(32);
            quote.Property(q => q.TaxCountry).HasMaxLength(2);
            quote.Property(q => q.NewTermValue).HasPrecision(18, 2);
            quote.Property(q => q.NewRefundableValue).HasPrecision(18, 2);
            quote.Property(q => q.Currency).HasMaxLength(3).IsFixedLength();
            quote.HasIndex(q => new { q.OrderId, q.CreatedAt });
            quote.HasIndex(q => q.ExpiresAt);
        });
    }
}
