using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;

namespace Introserv.BuildingBlocks.Messaging;

// Wakes the outbox dispatcher of TContext when a transaction that may have written outbox rows commits, so events leave
// within milliseconds instead of at the next poll. One per context type and process: EF Core interceptors are created
// without dependency injection.
public sealed class OutboxSignal<TContext>
    where TContext : DbContext
{
    private readonly Channel<bool> _channel = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    private OutboxSignal()
    {
    }

    [System.Diagnostics.CodeAnalysis.SuppressMessage(
        "Design", "CA1000", Justification = "One signal per context type is the point.")]
    public static OutboxSignal<TContext> Instance { get; } = new();

    public void Notify() => _channel.Writer.TryWrite(true);

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
