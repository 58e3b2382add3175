namespace Introserv.Bench.Panel;

// The tables: per step, latency by endpoint and by class against the targets, the first distinct errors, and each
// process's CPU per request and memory; at the end one line per rate.
internal static class Report
{
    // Targets at 1,000 mixed requests/s (reads and writes p99, milliseconds; no errors at all).
    public const double ReadTarget = 50;
    public const double WriteTarget = 150;

    // Orders: CPU per placed-and-paid order and POST /api/orders p99 at 100 orders/s; Notifications: CPU per mail.
    public const double OrderCpuTarget = 2;
    public const double PlaceP99Target = 100;
    public const double MailCpuTarget = 1;

    private const int ErrorsShown = 8;

    public static void Step(StepResult step)
    {
        ArgumentNullException.ThrowIfNull(step);
        var recorder = step.Recorder;
        Console.WriteLine();
        Console.WriteLine($"=== {step.Title} ===");
        Console.WriteLine($"{step.HttpRequests:N0} HTTP requests in {step.Elapsed.TotalSeconds:F1} s " +
            $"({step.HttpRequests / step.Elapsed.TotalSeconds:N0}/s, until the last answer); the scheduler started " +
            $"operations up to {step.SchedulerLateMs:F1} ms late (counted in the latencies)");
        Console.WriteLine();
        Console.WriteLine($"{"endpoint",-56} {"class",-8} {"count",8} {"p50 ms",8} {"p99 ms",8} {"errors",7}");
        foreach (var endpoint in recorder.ByEndpoint())
        {
            Row(endpoint);
        }

        Console.WriteLine();
        var reads = recorder.ByClass(RequestClass.Read, "all reads");
        var writes = recorder.ByClass(RequestClass.Write, "all writes");
        Row(reads, $"p99 target <= {ReadTarget:0} ms: {Verdict(reads.P99 <= ReadTarget)}");
        Row(writes, $"p99 target <= {WriteTarget:0} ms: {Verdict(writes.P99 <= WriteTarget)}");
        Row(recorder.ByClass(RequestClass.SignIn, "all sign-ins"), "(no target)");
        Console.WriteLine($"errors: {recorder.Errors:N0} (target 0: {Verdict(recorder.Errors == 0)})");
        foreach (var (what, count, detail) in recorder.FirstErrors(ErrorsShown))
        {
            Console.WriteLine($"  {count,6:N0} x {what}");
            if (!string.IsNullOrWhiteSpace(detail))
            {
                Console.WriteLine($"           {detail.ReplaceLineEndings(" ")}");
            }
        }

        Processes(step);
        if (step.Drained is { } drained)
        {
            Orders(step, drained);
        }
    }

    public static void Summary(IReadOnlyList<StepResult> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        Console.WriteLine();
        Console.WriteLine($"summary (targets at 1,000 requests/s: reads p99 <= {ReadTarget:0} ms, " +
            $"writes p99 <= {WriteTarget:0} ms, 0 errors)");
        Console.WriteLine($"{"rate/s",7} {"reads p50",10} {"reads p99",10} {"writes p50",11} {"writes p99",11} " +
            $"{"sign-in p99",12} {"errors",7} {"stack CPU ms/req",17}  targets");
        foreach (var step in steps)
        {
            var reads = step.Recorder.ByClass(RequestClass.Read, "");
            var writes = step.Recorder.ByClass(RequestClass.Write, "");
            var signIns = step.Recorder.ByClass(RequestClass.SignIn, "");
            var met = reads.P99 <= ReadTarget && writes.P99 <= WriteTarget && step.Recorder.Errors == 0;
            Console.WriteLine($"{step.Rate,7:N0} {reads.P50,10:F1} {reads.P99,10:F1} {writes.P50,11:F1} " +
                $"{writes.P99,11:F1} {signIns.P99,12:F0} {step.Recorder.Errors,7:N0} " +
                $"{StackCpu(step) / Math.Max(1, step.HttpRequests),17:F2}  {Verdict(met)}");
        }
    }

    private static void Processes(StepResult step)
    {
        Console.WriteLine();
        Console.WriteLine($"{"process",-34} {"CPU ms/request",15} {"% of a core",12} {"RSS MiB",9} {"PSS MiB",9} " +
            $"{"processes",10}");
        var requests = Math.Max(1, step.HttpRequests);
        var seconds = step.Elapsed.TotalSeconds;
        foreach (var group in step.Processes)
        {
            Console.WriteLine($"{group.Name,-34} {group.CpuMilliseconds / requests,15:F3} " +
                $"{group.CpuMilliseconds / 10 / seconds,12:F1} {group.RssKiB / 1024.0,9:F0} " +
                $"{group.PssKiB / 1024.0,9:F0} {group.Processes,10}");
        }

        var stack = StackCpu(step);
        Console.WriteLine($"{"the stack (all but the generator)",-34} {stack / requests,15:F3} " +
            $"{stack / 10 / seconds,12:F1}");
        Console.WriteLine($"(RSS counts shared pages in every process of a group, PSS shares them out; " +
            $"{ProcessSampler.Postgres} includes any other client's sessions)");
    }

    // The orders mix: what one placed-and-paid order cost Orders, with everything it set off (its events published,
    // their mails written and delivered) counted until that work was done.
    private static void Orders(StepResult step, Drained drained)
    {
        var placed = step.Recorder.ByEndpoint().FirstOrDefault(e => e.Name == PanelMix.PlaceEndpoint);
        var paid = placed is null ? 0 : placed.Count - placed.Errors;
        var orders = step.Processes.First(p => p.Name == "Introserv.Orders").CpuMilliseconds;
        var notifications = step.Processes.First(p => p.Name == "Introserv.Notifications").CpuMilliseconds;
        Console.WriteLine();
        Console.WriteLine(drained.TimedOut
            ? $"the work the orders left behind was NOT done {drained.After.TotalSeconds:0} s after the last answer " +
                $"({drained.MostPending:N0} events and mails pending at most)"
            : $"the work the orders left behind (events published, {drained.MailsCreated:N0} mails written and " +
                $"delivered) was done {drained.After.TotalSeconds:F1} s after the last answer; " +
                $"{drained.MostPending:N0} events and mails were pending at most once the orders were answered");
        if (paid > 0 && placed is not null)
        {
            var perMail = notifications / Math.Max(1, drained.MailsCreated);
            Console.WriteLine($"{paid:N0} orders placed and paid: Orders {orders / paid:F2} ms CPU per order " +
                $"(target <= {OrderCpuTarget:0} ms: {Verdict(orders / paid <= OrderCpuTarget)}), Notifications " +
                $"{perMail:F2} ms CPU per mail " +
                $"(target <= {MailCpuTarget:0} ms: {Verdict(perMail <= MailCpuTarget)}); " +
                $"{PanelMix.PlaceEndpoint} p99 {placed.P99:F1} ms (target at 100 orders/s <= {PlaceP99Target:0} ms)");
        }
    }

    private static double StackCpu(StepResult step) =>
        step.Processes.Where(p => p.Name != ProcessSampler.Generator).Sum(p => p.CpuMilliseconds);

    private static void Row(Latency latency, string note = "") =>
        Console.WriteLine($"{latency.Name,-56} {ClassName(latency.Class),-8} {latency.Count,8:N0} " +
            $"{latency.P50,8:F1} {latency.P99,8:F1} {latency.Errors,7:N0}  {note}".TrimEnd());

    private static string ClassName(RequestClass requestClass) => requestClass switch
    {
        RequestClass.Read => "read",
        RequestClass.Write => "write",
        _ => "sign-in",
    };

    private static string Verdict(bool met) => met ? "met" : "NOT met";
}
