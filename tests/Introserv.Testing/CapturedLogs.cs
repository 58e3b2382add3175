using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Introserv.Testing;

// Every log line a service writes: message, structured values and exceptions.
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Line)> _entries = new();

    public IReadOnlyCollection<string> Lines => _entries.Select(e => e.Line).ToList();

    // The lines written at a level or above (an error's exception included).
    public IReadOnlyList<string> AtLeast(LogLevel level) =>
        _entries.Where(e => e.Level >= level && e.Level != LogLevel.None).Select(e => e.Line).ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<(LogLevel, string)> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            entries.Enqueue((LogLevel.Trace, $"{category} scope: {Describe(state)}"));
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(
            LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            entries.Enqueue(
                (logLevel, $"{category} {logLevel}: {formatter(state, exception)} | {Describe(state)} | {exception}"));
        }

        private static string Describe(object? state) => state is IEnumerable<KeyValuePair<string, object?>> values
            ? string.Join(", ", values.Select(v => $"{v.Key}={v.Value}"))
            : state?.ToString() ?? string.Empty;
    }
}
