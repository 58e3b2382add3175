using System.Diagnostics;

namespace Introserv.Bench.Panel;

// An open-loop generator: operation i starts at t0 + i / rate whether or not the earlier ones have been answered,
// as independent customers would, so a slow server faces a growing queue rather than a client that politely waits.
// Each operation is handed its planned start and measures from it: time spent waiting to be sent (a late scheduler,
// a busy thread pool) counts as latency, so a stall cannot hide the requests it delayed (no coordinated omission).
internal static class OpenLoop
{
    // Runs rate x duration operations; returns how late, at most, the scheduler started one (milliseconds).
    public static async Task<double> RunAsync(int rate, TimeSpan duration, Func<long, Task> operation)
    {
        var count = (int)Math.Round(rate * duration.TotalSeconds);
        var operations = new Task[count];
        var interval = (double)Stopwatch.Frequency / rate;
        var latest = 0L;
        var scheduled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var scheduler = new Thread(() =>
        {
            var t0 = Stopwatch.GetTimestamp();
            var next = 0;
            while (next < count)
            {
                var now = Stopwatch.GetTimestamp();
                for (; next < count && t0 + (long)(next * interval) <= now; next++)
                {
                    var planned = t0 + (long)(next * interval);
                    latest = Math.Max(latest, now - planned);
                    operations[next] = Task.Run(() => operation(planned));
                }

                // Everything due is started; sleep rather than spin, which would take a core from the stack.
                if (next < count)
                {
                    Thread.Sleep(1);
                }
            }

            scheduled.SetResult();
        })
        {
            IsBackground = true,
            Name = "open-loop scheduler",
        };
        scheduler.Start();
        await scheduled.Task;
        await Task.WhenAll(operations);
        return latest * 1000.0 / Stopwatch.Frequency;
    }
}
