using System.Diagnostics.Metrics;

namespace Introserv.BuildingBlocks.Messaging;

// Meter Introserv.Messaging: outbox backlog and throughput, inbox duplicates, consumer failures.
public sealed class MessagingMetrics : IDisposable
{
    public const string MeterName = "Introserv.Messaging";

    private readonly Meter _meter;
    private readonly Counter<long> _dispatched;
    private readonly Counter<long> _dispatchFailures;
    private readonly Counter<long> _deadLettered;
    private readonly Counter<long> _consumerFailures;
    private readonly Counter<long> _duplicates;
    private readonly Histogram<double> _commitToPublish;
    private long _pending;

    public MessagingMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _meter.CreateObservableGauge("introserv.outbox.pending", () => Interlocked.Read(ref _pending),
            description: "Outbox rows not yet published (as of the dispatcher's last look)");
        _dispatched = _meter.CreateCounter<long>(
            "introserv.outbox.dispatched", description: "Events published from the outbox");
        _dispatchFailures = _meter.CreateCounter<long>(
            "introserv.outbox.dispatch_failures", description: "Outbox publishes that failed and will be retried");
        _deadLettered = _meter.CreateCounter<long>("introserv.outbox.dead_lettered",
            description: "Outbox rows that failed by themselves too often and moved to the dead-letter table");
        _commitToPublish = _meter.CreateHistogram<double>("introserv.outbox.commit_to_publish", unit: "ms",
            description: "Time from the outbox row's creation to the broker's confirm");
        _consumerFailures = _meter.CreateCounter<long>(
            "introserv.consumer.failures", description: "Consume attempts that threw");
        _duplicates = _meter.CreateCounter<long>(
            "introserv.inbox.duplicates", description: "Redelivered messages recognised by the inbox and skipped");
    }

    public void SetPending(long pending) => Interlocked.Exchange(ref _pending, pending);

    public void Dispatched(int count) => _dispatched.Add(count);

    public void DispatchFailed(int count) => _dispatchFailures.Add(count);

    public void DeadLettered(string messageType) =>
        _deadLettered.Add(1, new KeyValuePair<string, object?>("message_type", messageType));

    public void CommitToPublish(TimeSpan elapsed) => _commitToPublish.Record(elapsed.TotalMilliseconds);

    public void ConsumerFailed(string messageType) =>
        _consumerFailures.Add(1, new KeyValuePair<string, object?>("message_type", messageType));

    public void DuplicateSkipped(string consumer) =>
        _duplicates.Add(1, new KeyValuePair<string, object?>("consumer", consumer));

    public void Dispose() => _meter.Dispose();
}
