using OpenTelemetry;

namespace Introserv.ServiceDefaults;

/// <summary>
/// Background polls that usually find nothing (outbox, mail queue) run without traces: a span a poll would bury the
/// traces that matter and, in local runs, cost the dashboard and every service CPU while nobody uses the stack.
/// </summary>
public static class QuietPolling
{
    /// <summary>
    /// Suppresses tracing in the current async flow until disposed. Dispose it as soon as the poll finds work, so what
    /// the work does is traced as usual.
    /// </summary>
    public static IDisposable Begin() => SuppressInstrumentationScope.Begin();
}
