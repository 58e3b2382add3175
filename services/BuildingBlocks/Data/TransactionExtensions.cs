using Microsoft.EntityFrameworkCore;

namespace Introserv.BuildingBlocks.Data;

public static class TransactionExtensions
{
    /// <summary>
    /// Runs <paramref name="work"/> in one database transaction under the context's execution strategy, so a
    /// transient failure retries the whole unit. The change tracker is cleared first: load what you change
    /// inside <paramref name="work"/>. Outbox events added inside are committed with the change.
    /// </summary>
    public static Task<TResult> InTransactionAsync<TResult>(
        this DbContext db, Func<CancellationToken, Task<TResult>> work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(work);
        var strategy = db.Database.CreateExecutionStrategy();
        return strategy.ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var result = await work(ct);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return result;
        }, cancellationToken);
    }
}
