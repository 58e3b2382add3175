using System.Collections.Concurrent;
using System.Diagnostics;

namespace Introserv.Bench.Panel;

// Latencies and failures of one step, by endpoint; failures also by kind, in the order they first appeared.
internal sealed class Recorder
{
    private readonly ConcurrentDictionary<string, Samples> _endpoints = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ErrorCount> _errors = new(StringComparer.Ordinal);
    private long _errorSequence;

    public int Errors => _errors.Values.Sum(e => e.Count);

    public void Record(string endpoint, RequestClass requestClass, long start, Failure? failure)
    {
        var milliseconds = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        _endpoints.GetOrAdd(endpoint, _ => new Samples(requestClass)).Add(milliseconds, failure is null);
        if (failure is not null)
        {
            _errors.GetOrAdd($"{endpoint}: {failure.Kind}",
                _ => new ErrorCount(Interlocked.Increment(ref _errorSequence), failure.Detail)).Add();
        }
    }

    public IReadOnlyList<Latency> ByEndpoint() =>
    [
        .. _endpoints
            .OrderBy(e => e.Value.Class)
            .ThenBy(e => e.Key, StringComparer.Ordinal)
            .Select(e => Latency.Of(e.Key, e.Value.Class, [e.Value])),
    ];

    public Latency ByClass(RequestClass requestClass, string name) =>
        Latency.Of(name, requestClass, _endpoints.Values.Where(s => s.Class == requestClass));

    public IReadOnlyList<(string What, int Count, string? Detail)> FirstErrors(int count) =>
    [
        .. _errors
            .OrderBy(e => e.Value.Sequence)
            .Take(count)
            .Select(e => (e.Key, e.Value.Count, e.Value.Detail)),
    ];
}

internal sealed class Samples(RequestClass requestClass)
{
    private readonly Lock _gate = new();
    private readonly List<double> _milliseconds = [];
    private int _errors;

    public RequestClass Class => requestClass;

    public void Add(double milliseconds, bool succeeded)
    {
        lock (_gate)
        {
            _milliseconds.Add(milliseconds);
            if (!succeeded)
            {
                _errors++;
            }
        }
    }

    public (double[] Milliseconds, int Errors) Read()
    {
        lock (_gate)
        {
            return ([.. _milliseconds], _errors);
        }
    }
}

internal sealed class ErrorCount(long sequence, string? detail)
{
    private int _count;

    public long Sequence => sequence;

    public string? Detail => detail;

    public int Count => Volatile.Read(ref _count);

    public void Add() => Interlocked.Increment(ref _count);
}

// Failed requests count in the percentiles too: a fast refusal and a slow timeout both are what the customer saw.
internal sealed record Latency(string Name, RequestClass Class, int Count, double P50, double P99, int Errors)
{
    public static Latency Of(string name, RequestClass requestClass, IEnumerable<Samples> samples)
    {
        var all = new List<double>();
        var errors = 0;
        foreach (var (milliseconds, failed) in samples.Select(s => s.Read()))
        {
            all.AddRange(milliseconds);
            errors += failed;
        }

        all.Sort();
        return new Latency(name, requestClass, all.Count, Percentile(all, 0.50), Percentile(all, 0.99), errors);
    }

    // Nearest rank.
    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
