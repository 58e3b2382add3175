namespace Introserv.Orders.Features.Plans;

// The plan catalogue (every plan with its periods, active or not) read from the plans tables at most once per
// Orders:PlanCacheLifetime (30 s) instead of on every order, renewal and price page. The catalogue changes only by
// migration (a deployment, which starts the process again) or by hand in the database; a change by hand is seen
// within the lifetime. The plans handed out are shared: callers read them and never change them.
public sealed class PlanCache(IConfiguration configuration, TimeProvider clock)
{
    public const string LifetimeSetting = "Orders:PlanCacheLifetime";

    private readonly TimeSpan _lifetime = configuration.GetValue(LifetimeSetting, TimeSpan.FromSeconds(30));
    private Snapshot? _snapshot;

    // Every plan, ordered by type and monthly price (the order of the price page).
    public async Task<IReadOnlyList<Plan>> AllAsync(OrdersDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var now = clock.GetUtcNow();
        if (Volatile.Read(ref _snapshot) is { } snapshot && now - snapshot.ReadAt < _lifetime)
        {
            return snapshot.Plans;
        }

        var plans = await db.Plans.AsNoTracking().Include(p => p.Periods)
            .OrderBy(p => p.Type).ThenBy(p => p.MonthlyPrice).ThenBy(p => p.Id)
            .ToListAsync(cancellationToken);
        foreach (var plan in plans)
        {
            plan.Periods.Sort((a, b) => a.Months.CompareTo(b.Months));
        }

        Volatile.Write(ref _snapshot, new Snapshot(plans, now));
        return plans;
    }

    // The plan, active or not; null when the catalogue has no such plan.
    public async Task<Plan?> FindAsync(OrdersDbContext db, string planId, CancellationToken cancellationToken)
    {
        var plans = await AllAsync(db, cancellationToken);
        foreach (var plan in plans)
        {
            if (plan.Id == planId)
            {
                return plan;
            }
        }

        return null;
    }

    // The plan an order was placed for (orders keep their plan's row: it is never deleted).
    public async Task<Plan> GetAsync(OrdersDbContext db, string planId, CancellationToken cancellationToken) =>
        await FindAsync(db, planId, cancellationToken)
            ?? throw new InvalidOperationException($"The plan catalogue has no plan '{planId}'.");

    private sealed record Snapshot(IReadOnlyList<Plan> Plans, DateTimeOffset ReadAt);
}
