using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;

namespace Introserv.BuildingBlocks.Messaging;

// Wakes the outbox dispatcher of TContext when a transaction that wrote outbox rows commits, so events leave within
// milliseconds instead of at the next poll, and hands it the rows' ids: it claims them by primary key rather than by
// scanning for pending rows (a scan that walks every row sent since the last vacuum). Rows it is not told about (other
// processes, a commit whose outcome was unknown, more than the queue holds) are found by the periodic scan. One per
// context type and process: EF Core interceptors are created without dependency injection.
public sealed class OutboxSignal<TContext>
    where TContext : DbContext
{
    // Ids waiting beyond this are dropped: the scan finds their rows.
    public const int MaxQueued = 20_000;

    private readonly ConcurrentQueue<Guid> _committed = new();

    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    private OutboxSignal()
    {
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage(
        "Design", "CA1000", Justification = "One signal per context type is the point.")]
    public static OutboxSignal<TContext> Instance { get; } = new();

    public bool HasCommitted => !_committed.IsEmpty;

    public void Notify() => _channel.Writer.TryWrite(true);

    // Rows that have just committed; wakes the dispatcher.
    public void Committed(IReadOnlyCollection<Guid> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (_committed.Count + ids.Count <= MaxQueued)
        {
            foreach (var id in ids)
            {
                _committed.Enqueue(id);
            }
        }

        Notify();
    }

    // Up to max ids of committed rows, oldest first.
    public List<Guid> TakeCommitted(int max)
    {
        var ids = new List<Guid>();
        while (ids.Count < max && _committed.TryDequeue(out var id))
        {
            ids.Add(id);
        }

        return ids;
    }

    // Waits for a notification or the poll interval, whichever comes first.
    public async Task WaitAsync(TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(pollInterval);
        try
        {
            await _channel.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Poll interval elapsed.
        }
    }
}
