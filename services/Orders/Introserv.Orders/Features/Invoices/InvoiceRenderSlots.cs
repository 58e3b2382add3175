namespace Introserv.Orders.Features.Invoices;

// Drawing a PDF is CPU work that never waits: as many at once as the machine has cores, the rest wait their turn
// without holding a thread. Unbounded, a burst of downloads (the signed links need no token) would take every thread
// of the pool, and the requests around them, the gRPC calls they need included, would stall until they time out.
public sealed class InvoiceRenderSlots : IDisposable
{
    private readonly SemaphoreSlim _slots = new(Math.Max(1, Environment.ProcessorCount));

    public async Task<byte[]> RenderAsync(Func<byte[]> render, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(render);
        await _slots.WaitAsync(cancellationToken);
        try
        {
            return render();
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose() => _slots.Dispose();
}
