using System.Diagnostics;

namespace Introserv.Bench.Panel;

// One rate held for the step's duration: the latencies and errors, the HTTP requests sent, and what each process
// spent (CPU between the readings before the first request and after the last answer, or, when the backlog is
// watched, after the work the step left behind was done; memory at the end).
internal sealed record StepResult(
    int Rate, TimeSpan Duration, TimeSpan Elapsed, Recorder Recorder, long HttpRequests, double SchedulerLateMs,
    IReadOnlyList<GroupUsage> Processes)
{
    public string Title { get; init; } = $"{Rate:N0} requests/s for {Duration.TotalSeconds:0} s";

    public Drained? Drained { get; init; }

    public static async Task<StepResult> MeasureAsync(
        int rate, TimeSpan duration, int clockTicks, PanelMix panel, Backlog? backlog = null, string? title = null)
    {
        ArgumentNullException.ThrowIfNull(panel);
        var recorder = new Recorder();
        var mark = backlog is null ? default : await backlog.MarkAsync();
        var before = ProcessSampler.Read();
        var sent = CountingHandler.Sent;
        var clock = Stopwatch.StartNew();
        var late = await OpenLoop.RunAsync(rate, duration, start => panel.RunOneAsync(recorder, start));
        var answered = Stopwatch.GetTimestamp();
        var drained = backlog is null ? null : await backlog.WaitAsync(mark, answered, TimeSpan.FromMinutes(5));
        var elapsed = clock.Elapsed;
        var requests = CountingHandler.Sent - sent;
        var after = ProcessSampler.Read();
        var step = new StepResult(rate, duration, elapsed, recorder, requests, late,
            ProcessSampler.Between(before, after, clockTicks))
        {
            Drained = drained,
        };
        return title is null ? step : step with { Title = title };
    }
}
