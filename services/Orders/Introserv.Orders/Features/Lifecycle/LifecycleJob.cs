using System.ComponentModel.DataAnnotations;
using Grpc.Core;
using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Orders.Contracts;
using Introserv.Orders.Features.Balance;
using Introserv.Orders.Features.Cancellation;
using Introserv.Orders.Features.Invoices;
using Introserv.Orders.Features.PlaceOrder;
using Introserv.Orders.Features.Plans;
using Introserv.Orders.Features.Renewal;
using Microsoft.Extensions.Options;

namespace Introserv.Orders.Features.Lifecycle;

// When the lifecycle job runs and how long each grace period lasts (configuration section Orders:Lifecycle).
public sealed class LifecycleOptions : IValidatableObject
{
    public const string Section = "Orders:Lifecycle";

    // Whether this replica runs the schedule (all may: only one runs a pass at a time).
    public bool Enabled { get; set; } = true;

    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    // From paidUntil to suspension of an overdue order.
    public TimeSpan OverdueGrace { get; set; } = TimeSpan.FromDays(3);

    // From suspension to termination (the address is released).
    public TimeSpan SuspensionGrace { get; set; } = TimeSpan.FromDays(14);

    // How long an unpaid new order waits for payment before it is cancelled.
    public TimeSpan PaymentWindow { get; set; } = TimeSpan.FromDays(7);

    public static readonly int[] DefaultReminderDays = [7, 3, 1];

    // How many days before paidUntil a customer is reminded that an order will not renew by itself (automatic
    // renewal off, or a balance that does not cover it): once per order, paid term and day. Null: 7, 3 and 1 (not
    // set as the property's value, which configuration would add to instead of replacing).
    public int[]? ReminderDays { get; set; }

    // Whether reminders are sent at all.
    public bool Reminders { get; set; } = true;

    public IReadOnlyList<int> EffectiveReminderDays =>
        Reminders ? [.. (ReminderDays ?? DefaultReminderDays).Distinct().Order()] : [];

    // Orders per step and pass (the rest wait for the next pass).
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 500;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Interval <= TimeSpan.Zero || PaymentWindow <= TimeSpan.Zero
            || OverdueGrace < TimeSpan.Zero || SuspensionGrace < TimeSpan.Zero)
        {
            yield return new ValidationResult(
                $"{Section} needs a positive Interval and PaymentWindow and grace periods of zero or more.");
        }

        if (ReminderDays?.Any(d => d is < 1 or > 365) == true)
        {
            yield return new ValidationResult($"{Section}:ReminderDays are whole days from 1 to 365.");
        }
    }
}

public sealed record LifecyclePass(
    bool Ran, int Renewed, int Overdue, int Suspended, int Terminated, int Cancelled, int Reminded = 0)
{
    public int Changed => Renewed + Overdue + Suspended + Terminated + Cancelled + Reminded;

    public static readonly LifecyclePass Skipped = new(false, 0, 0, 0, 0, 0);
}

// The order lifecycle, on a schedule. A pass runs only while it holds a PostgreSQL advisory lock on the Orders
// database, so however many replicas run the schedule, one pass runs at a time (the others skip). Each order moves
// in its own transaction with its row locked, so customer actions and the job never change an order at once:
// - active, past paidUntil: auto-renewed when the order asks for it, the profile allows payment and the
// balance covers it; otherwise overdue;
// - pending_cancellation, past paidUntil: cancelled, address released;
// - overdue for LifecycleOptions.OverdueGrace: suspended;
// - suspended for LifecycleOptions.SuspensionGrace: terminated, address released;
// - pending_payment for LifecycleOptions.PaymentWindow: cancelled, invoice void;
// - active, paidUntil within one of LifecycleOptions.ReminderDays, and not renewing by itself: a reminder (once per
// order, paid term and day; renewal_reminders remembers which were sent).
// Each transition is an event. Expired idempotency keys and quotes are deleted.
public sealed class LifecycleJob(
    IServiceScopeFactory scopes, MigrationState<OrdersDbContext> migrations, IOptions<LifecycleOptions> options,
    InvoiceLinks links, PlanCache plans, TimeProvider clock, ILogger<LifecycleJob> logger)
    : BackgroundService
{
    // The advisory lock's key (any constant; the lock is per database).
    public const long LockKey = 0x4f72_6465_724c_6966; // "OrderLif"

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            logger.LogInformation("The order lifecycle schedule is disabled on this replica");
            return;
        }

        try
        {
            await migrations.WhenApplied(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var pass = await RunOnceAsync(stoppingToken);
                if (pass.Changed > 0)
                {
                    logger.LogInformation(
                        "Order lifecycle pass: {Renewed} renewed, {Overdue} overdue, {Suspended} suspended, " +
                        "{Terminated} terminated, {Cancelled} cancelled, {Reminded} reminded",
                        pass.Renewed, pass.Overdue, pass.Suspended, pass.Terminated, pass.Cancelled, pass.Reminded);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogError(ex, "Order lifecycle pass failed; retrying at the next interval");
            }

            try
            {
                await Task.Delay(options.Value.Interval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    // One pass; LifecyclePass.Skipped when another pass holds the lock.
    public async Task<LifecyclePass> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrdersDbContext>();
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            var locked = await db.Database
                .SqlQuery<bool>($"SELECT pg_try_advisory_lock({LockKey}) AS \"Value\"")
                .SingleAsync(cancellationToken);
            if (!locked)
            {
                logger.LogDebug("Order lifecycle pass skipped: another replica's pass holds the lock");
                return LifecyclePass.Skipped;
            }

            try
            {
                var started = clock.GetUtcNow();
                var pass = await PassAsync(scope.ServiceProvider, db, cancellationToken);
                // Logged while the lock is still held: passes' spans from every replica never overlap.
                logger.LogDebug(
                    "Order lifecycle pass ran from {Started:O} to {Finished:O}", started, clock.GetUtcNow());
                return pass;
            }
            finally
            {
                await db.Database
                    .SqlQuery<bool>($"SELECT pg_advisory_unlock({LockKey}) AS \"Value\"")
                    .SingleAsync(CancellationToken.None);
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private async Task<LifecyclePass> PassAsync(
        IServiceProvider services, OrdersDbContext db, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var ledger = services.GetRequiredService<Ledger>();
        var placement = services.GetRequiredService<OrderPlacement>();
        var now = clock.Now();
        int renewed = 0, overdue = 0, suspended = 0, terminated = 0, cancelled = 0;

        foreach (var id in await DueAsync(
            db, o => o.Status == OrderStatuses.Active && o.PaidUntil <= now, cancellationToken))
        {
            var outcome = await ExpireAsync(db, ledger, placement, id, settings, cancellationToken);
            renewed += outcome == OrderTrigger.Renewed ? 1 : 0;
            overdue += outcome == OrderTrigger.PaidUntilPassed ? 1 : 0;
        }

        foreach (var id in await DueAsync(
            db, o => o.Status == OrderStatuses.PendingCancellation && o.PaidUntil <= now, cancellationToken))
        {
            cancelled += await MoveAsync(db, id, OrderStatuses.PendingCancellation, async (order, at, ct) =>
                await CancellationEndpoints.EndAsync(
                    db, ledger, clock, order, OrderTrigger.TermEnded, CancellationModes.EndOfTerm, default, at, ct),
                cancellationToken);
        }

        var suspendBefore = now - settings.OverdueGrace;
        foreach (var id in await DueAsync(
            db, o => o.Status == OrderStatuses.Overdue && o.PaidUntil <= suspendBefore, cancellationToken))
        {
            suspended += await MoveAsync(db, id, OrderStatuses.Overdue, (order, at, _) =>
            {
                db.Move(order, OrderTrigger.OverdueGraceEnded, at, "Suspended: not renewed within the grace period");
                db.AddIntegrationEvent(new OrderSuspended(
                    Guid.CreateVersion7(), at, order.AccountId, order.Id, order.PlanId,
                    order.PaidUntil!.Value + settings.OverdueGrace + settings.SuspensionGrace, order.Number,
                    OrderActions.PlanNameOf(order.PlanId)), clock);
                return Task.CompletedTask;
            }, cancellationToken);
        }

        var terminateBefore = now - settings.OverdueGrace - settings.SuspensionGrace;
        foreach (var id in await DueAsync(
            db, o => o.Status == OrderStatuses.Suspended && o.PaidUntil <= terminateBefore, cancellationToken))
        {
            terminated += await MoveAsync(db, id, OrderStatuses.Suspended, async (order, at, ct) =>
            {
                db.Move(
                    order, OrderTrigger.SuspensionGraceEnded, at,
                    order.IpAddress is null ? "Terminated" : $"Terminated; address {order.IpAddress} released");
                await db.EndServiceAsync(order, at, ct);
                db.AddIntegrationEvent(new OrderTerminated(
                    Guid.CreateVersion7(), at, order.AccountId, order.Id, order.PlanId, order.IpAddress, order.Number,
                    OrderActions.PlanNameOf(order.PlanId)), clock);
            }, cancellationToken);
        }

        var unpaidBefore = now - settings.PaymentWindow;
        foreach (var id in await DueAsync(
            db, o => o.Status == OrderStatuses.PendingPayment && o.CreatedAt <= unpaidBefore, cancellationToken))
        {
            cancelled += await MoveAsync(db, id, OrderStatuses.PendingPayment, async (order, at, ct) =>
                await CancellationEndpoints.EndAsync(
                    db, ledger, clock, order, OrderTrigger.PaymentWindowEnded, CancellationModes.Unpaid, default, at,
                    ct),
                cancellationToken);
        }

        var reminded = await RemindAsync(db, settings, now, cancellationToken);

        var keysBefore = now - Idempotency.Retention;
        await db.IdempotencyRecords.Where(r => r.CreatedAt < keysBefore).ExecuteDeleteAsync(cancellationToken);
        var remindersBefore = now - TimeSpan.FromDays(30);
        await db.RenewalReminders.Where(r => r.PaidUntil < remindersBefore).ExecuteDeleteAsync(cancellationToken);
        var quotesBefore = now - TimeSpan.FromDays(1);
        await db.Quotes.Where(q => q.ExpiresAt < quotesBefore).ExecuteDeleteAsync(cancellationToken);
        return new LifecyclePass(true, renewed, overdue, suspended, terminated, cancelled, reminded);
    }

    // Active orders whose paidUntil is within the largest reminder day, each reminded for the nearest reminder day not
    // yet passed (at 2.5 days left with 7, 3 and 1: the 3-day one), unless it renews by itself: automatic renewal on
    // and a balance that covers the period. The reminder's row and its event commit together; the row's key (order,
    // paid term, day) makes a second one for the same day impossible, whichever replica or pass tries.
    private async Task<int> RemindAsync(
        OrdersDbContext db, LifecycleOptions settings, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var days = settings.EffectiveReminderDays;
        if (days.Count == 0)
        {
            return 0;
        }

        var reminded = 0;
        var nearer = TimeSpan.Zero;
        foreach (var day in days)
        {
            // The orders whose nearest reminder day is this one, not reminded for it yet, that will not renew by
            // themselves: one query per day, so orders already reminded or renewing never fill the batch and keep
            // the others waiting.
            var (from, until) = (now + nearer, now + TimeSpan.FromDays(day));
            nearer = TimeSpan.FromDays(day);
            var due = await db.Orders.AsNoTracking()
                .Where(o => o.Status == OrderStatuses.Active && o.PaidUntil > from && o.PaidUntil <= until
                    && !db.RenewalReminders.Any(r => r.OrderId == o.Id && r.PaidUntil == o.PaidUntil
                        && r.DaysAhead == day))
                .Select(o => new
                {
                    Order = o,
                    Balance = db.Balances.Where(b => b.AccountId == o.AccountId)
                        .Select(b => (decimal?)b.Balance).FirstOrDefault() ?? 0m,
                })
                .Where(x => !x.Order.AutoRenew || x.Balance < x.Order.PeriodPrice)
                .OrderBy(x => x.Order.PaidUntil)
                .Take(settings.BatchSize)
                .ToListAsync(cancellationToken);
            foreach (var (order, balance) in due.Select(x => (x.Order, x.Balance)))
            {
                reminded += await RemindOnceAsync(db, order, day, balance, now, cancellationToken);
            }
        }

        return reminded;
    }

    // The reminder's row and its event, in one transaction; nothing when another pass wrote the row first.
    private async Task<int> RemindOnceAsync(
        OrdersDbContext db, Order order, int day, decimal balance, DateTimeOffset now,
        CancellationToken cancellationToken) =>
        await db.InTransactionAsync(async ct =>
        {
            var paidUntil = order.PaidUntil!.Value;
            var recorded = await db.Database.ExecuteSqlInterpolatedAsync($"""
                INSERT INTO renewal_reminders ("OrderId", "PaidUntil", "DaysAhead", "SentAt")
                VALUES ({order.Id}, {paidUntil}, {day}, {now}) ON CONFLICT DO NOTHING
                """, ct);
            if (recorded == 0)
            {
                return 0;
            }

            db.AddIntegrationEvent(new OrderRenewalDue(
                Guid.CreateVersion7(), now, order.AccountId, order.Id, order.PlanId, paidUntil, day,
                order.AutoRenew, order.PeriodPrice, balance, order.Currency, order.Number,
                OrderActions.PlanNameOf(order.PlanId)), clock);
            return 1;
        }, cancellationToken);

    private async Task<List<Guid>> DueAsync(
        OrdersDbContext db, System.Linq.Expressions.Expression<Func<Order, bool>> due,
        CancellationToken cancellationToken) =>
        await db.Orders
            .AsNoTracking()
            .Where(due)
            .OrderBy(o => o.PaidUntil)
            .Select(o => o.Id)
            .Take(options.Value.BatchSize)
            .ToListAsync(cancellationToken);

    // Locks the order and applies change when it is still in status (a customer may have acted since the scan);
    // 1 when it moved.
    private async Task<int> MoveAsync(
        OrdersDbContext db, Guid id, string status, Func<Order, DateTimeOffset, CancellationToken, Task> change,
        CancellationToken cancellationToken) =>
        await db.InTransactionAsync(async ct =>
        {
            var order = await db.LockAsync(id, null, ct);
            if (order is null || order.Status != status)
            {
                return 0;
            }

            await change(order, clock.Now(), ct);
            return 1;
        }, cancellationToken);

    // An active order past paidUntil: auto-renewed when it asks for it and it can be paid, otherwise overdue.
    private async Task<OrderTrigger?> ExpireAsync(
        OrdersDbContext db, Ledger ledger, OrderPlacement placement, Guid id, LifecycleOptions settings,
        CancellationToken cancellationToken)
    {
        var candidate = await db.Orders.AsNoTracking().SingleAsync(o => o.Id == id, cancellationToken);
        CustomerBilling? billing = null;
        try
        {
            billing = await placement.BillingAsync(candidate.AccountId, cancellationToken);
        }
        catch (RpcException ex) when (candidate.AutoRenew)
        {
            // Whether the account may pay is unknown: leave the order as it is until the next pass.
            logger.LogWarning(
                ex, "Auto-renewal of order {OrderId} postponed: payment eligibility could not be checked", id);
            return null;
        }
        catch (RpcException ex)
        {
            // The renewal invoice follows the tax of the order's latest charge.
            logger.LogWarning(
                ex, "Order {OrderId}: the profile could not be read; its renewal invoice is taxed as its last charge",
                id);
        }

        return await db.InTransactionAsync<OrderTrigger?>(async ct =>
        {
            var order = await db.LockAsync(id, null, ct);
            var now = clock.Now();
            if (order is null || order.Status != OrderStatuses.Active || order.PaidUntil > now)
            {
                return null;
            }

            var why = "Not renewed by the paid date";
            var blocked = billing?.Blockers ?? [];
            var tax = billing?.Tax ?? order.ChargedTax();
            var plan = await plans.GetAsync(db, order.PlanId, ct);
            var period = plan.Active ? plan.Periods.FirstOrDefault(p => p.Months == order.PeriodMonths) : null;
            if (order.AutoRenew)
            {
                if (blocked.Count > 0)
                {
                    why = $"Auto-renewal refused: {string.Join(", ", blocked)}";
                }
                else if (period is null)
                {
                    why = "Auto-renewal refused: the plan is no longer offered for this period";
                }
                else if (await RenewalCharge.ChargeAsync(
                    db, ledger, links, clock, order, plan, period, tax, "Auto-renewed", ct) is not null)
                {
                    return OrderTrigger.Renewed;
                }
                else
                {
                    why = "Auto-renewal refused: insufficient balance";
                }
            }

            // The renewal is left as an unpaid invoice: paying it renews the order.
            if (period is not null)
            {
                RenewalCharge.Issue(db, links, clock, order, plan, period, tax, now);
            }

            db.Move(order, OrderTrigger.PaidUntilPassed, now, why);
            db.AddIntegrationEvent(new OrderOverdue(
                Guid.CreateVersion7(), now, order.AccountId, order.Id, order.PlanId, order.PaidUntil!.Value,
                order.PaidUntil.Value + settings.OverdueGrace, order.Number, OrderActions.PlanNameOf(order.PlanId)),
                clock);
            return OrderTrigger.PaidUntilPassed;
        }, cancellationToken);
    }
}
