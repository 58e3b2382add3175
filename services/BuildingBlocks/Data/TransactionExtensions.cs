using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Introserv.BuildingBlocks.Data;

// The commit of a unit failed in a way that leaves its outcome unknown (the connection broke while committing):
// the change may or may not be stored. The unit is not run again blindly; what is stored decides.
public sealed class CommitOutcomeUnknownException(Exception inner)
    : Exception("The outcome of a database commit is unknown; the unit was not run again.", inner);

public static class TransactionExtensions
{
    // Runs work in one database transaction under the context's execution strategy, so a transient failure before the
    // commit retries the whole unit. The change tracker is cleared first: load what you change inside work. Outbox
    // events added inside are committed with the change. A failure of the commit itself is never retried blindly (the
    // change may have been stored): it surfaces as CommitOutcomeUnknownException, unless committed can tell from the
    // database whether the unit was stored (it then answers that unit's result, or lets the unit run again).
    public static Task<TResult> InTransactionAsync<TResult>(
        this DbContext db, Func<CancellationToken, Task<TResult>> work, CancellationToken cancellationToken,
        Func<CancellationToken, Task<(bool Stored, TResult Result)>>? committed = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(work);
        var strategy = db.Database.CreateExecutionStrategy();
        return strategy.ExecuteAsync(work, async (_, unit, ct) =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var result = await unit(ct);
            await db.SaveChangesAsync(ct);
            try
            {
                await transaction.CommitAsync(ct);
            }
            catch (Exception ex) when (committed is null && ex is not OperationCanceledException)
            {
                throw new CommitOutcomeUnknownException(ex);
            }

            return result;
        }, async (_, _, ct) =>
        {
            // Called by the strategy before it retries after a transient failure: a stored unit is not run again.
            if (committed is null)
            {
                return new ExecutionResult<TResult>(false, default!);
            }

            db.ChangeTracker.Clear();
            var (stored, result) = await committed(ct);
            return new ExecutionResult<TResult>(stored, result);
        }, cancellationToken);
    }
}
