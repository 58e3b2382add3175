using System.Diagnostics;

namespace Introserv.Bench.Panel;

// One rate held for the step's duration: the latencies and errors, the HTTP requests sent, and what each process
// spent (CPU between the readings before the first request and after the last answer; memory at the end).
internal sealed record StepResult(
    int Rate, TimeSpan Duration, TimeSpan Elapsed, Recorder Recorder, long HttpRequests, double SchedulerLateMs,
    IReadOnlyList<GroupUsage> Processes)
{
    public static async Task<StepResult> MeasureAsync(int rate, BenchSettings settings, PanelMix panel)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(panel);
        var recorder = new Recorder();
        var before = ProcessSampler.Read();
        var sent = CountingHandler.Sent;
        var clock = Stopwatch.StartNew();
        var late = await OpenLoop.RunAsync(rate, settings.Duration, start => panel.RunOneAsync(recorder, start));
        var elapsed = clock.Elapsed;
        var requests = CountingHandler.Sent - sent;
        var after = ProcessSampler.Read();
        return new StepResult(rate, settings.Duration, elapsed, recorder, requests, late,
            ProcessSampler.Between(before, after, settings.ClockTicks));
    }
}
