using Introserv.Orders.Features.Invoices;

namespace Introserv.Orders.Tests;

// PDFs are drawn at most one per core at once; the others wait without a thread, and a wait whose request was dropped
// gives up without drawing.
public sealed class InvoiceRenderSlotsTests
{
    [Fact]
    public async Task No_more_renders_run_at_once_than_there_are_cores_and_a_dropped_wait_draws_nothing()
    {
        using var slots = new InvoiceRenderSlots();
        var cores = Math.Max(1, Environment.ProcessorCount);
        using var release = new ManualResetEventSlim();
        var running = 0;
        var peak = 0;
        var renders = Enumerable.Range(0, cores * 3).Select(_ => Task.Run(() => slots.RenderAsync(() =>
        {
            var now = Interlocked.Increment(ref running);
            int seen;
            do
            {
                seen = Volatile.Read(ref peak);
            }
            while (now > seen && Interlocked.CompareExchange(ref peak, now, seen) != seen);

            release.Wait(TimeSpan.FromSeconds(30));
            Interlocked.Decrement(ref running);
            return [1];
        }, CancellationToken.None))).ToList();

        Assert.True(await Eventually.TrueAsync(() => Volatile.Read(ref running) == cores, TimeSpan.FromSeconds(10)),
            "the first renders never started");
        // Every slot is taken: a request dropped while it waits gives up, and its render never runs.
        using var dropped = new CancellationTokenSource();
        var waiting = slots.RenderAsync(() => throw new InvalidOperationException("drawn after all"), dropped.Token);
        await dropped.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);

        release.Set();
        var drawn = await Task.WhenAll(renders);
        Assert.Equal(cores * 3, drawn.Length);
        Assert.Equal(cores, peak);
    }
}
