using Microsoft.EntityFrameworkCore;

namespace Introserv.BuildingBlocks.Data;

// Whether the migrations of TContext have been applied in this process.
public sealed class MigrationState<TContext>
    where TContext : DbContext
{
    private readonly TaskCompletionSource _applied = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile Exception? _lastError;

    public bool IsApplied => _applied.Task.IsCompleted;

    public Exception? LastError => _lastError;

    // Completes when the schema is up to date; background workers that need the tables await it.
    public Task WhenApplied(CancellationToken cancellationToken) => _applied.Task.WaitAsync(cancellationToken);

    internal void MarkApplied()
    {
        _lastError = null;
        _applied.TrySetResult();
    }

    internal void MarkFailed(Exception error) => _lastError = error;
}
