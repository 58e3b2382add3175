using System.Collections.Concurrent;
using System.Diagnostics;
using Introserv.BuildingBlocks.Messaging;
using MassTransit;

namespace Introserv.BuildingBlocks.Tests.Messaging;

public sealed class OutageProbeConsumer(MessagingTestDbContext db)
    : InboxConsumer<MessagingTestDbContext, OutageProbeHappened>(db)
{
    protected override Task HandleAsync(
        ConsumeContext<OutageProbeHappened> context, CancellationToken cancellationToken)
    {
        Db.Effects.Add(
            new Effect { MessageId = context.Message.EventId, Kind = "outage", Sequence = context.Message.Sequence });
        return Task.CompletedTask;
    }
}

public sealed class DuplicateProbeConsumer(MessagingTestDbContext db)
    : InboxConsumer<MessagingTestDbContext, DuplicateProbeHappened>(db)
{
    protected override Task HandleAsync(
        ConsumeContext<DuplicateProbeHappened> context, CancellationToken cancellationToken)
    {
        Db.Effects.Add(new Effect { MessageId = context.Message.EventId, Kind = "duplicate" });
        return Task.CompletedTask;
    }
}

public sealed class RollbackProbeConsumer(MessagingTestDbContext db)
    : InboxConsumer<MessagingTestDbContext, RollbackProbeHappened>(db)
{
    protected override Task HandleAsync(
        ConsumeContext<RollbackProbeHappened> context, CancellationToken cancellationToken)
    {
        Db.Effects.Add(new Effect
        {
            MessageId = context.Message.EventId,
            Kind = context.Message.Marker ? "marker" : "rolled-back"
        });
        return Task.CompletedTask;
    }
}

// Finds its database unavailable (the failure Npgsql reports when the server refuses connections) on its first
// FailedAttempts attempts, more than the general retries allow, then succeeds.
public sealed class DatabaseOutageProbeConsumer(MessagingTestDbContext db)
    : InboxConsumer<MessagingTestDbContext, DatabaseOutageProbeHappened>(db)
{
    public const int FailedAttempts = 5;

    public static readonly ConcurrentDictionary<Guid, int> Attempts = new();

    protected override Task HandleAsync(
        ConsumeContext<DatabaseOutageProbeHappened> context, CancellationToken cancellationToken)
    {
        if (Attempts.AddOrUpdate(context.Message.EventId, 1, (_, n) => n + 1) <= FailedAttempts)
        {
            throw new Npgsql.NpgsqlException(
                "Failed to connect to the database (probe)",
                new System.Net.Sockets.SocketException((int)System.Net.Sockets.SocketError.ConnectionRefused));
        }

        Db.Effects.Add(new Effect { MessageId = context.Message.EventId, Kind = "database-outage" });
        return Task.CompletedTask;
    }
}

// Always fails: the message must be retried and then land in the error queue.
public sealed class FailingProbeConsumer(MessagingTestDbContext db)
    : InboxConsumer<MessagingTestDbContext, FailingProbeHappened>(db)
{
    public static readonly ConcurrentDictionary<Guid, int> Attempts = new();

    protected override Task HandleAsync(
        ConsumeContext<FailingProbeHappened> context, CancellationToken cancellationToken)
    {
        Attempts.AddOrUpdate(context.Message.EventId, 1, (_, n) => n + 1);
        Db.Effects.Add(new Effect { MessageId = context.Message.EventId, Kind = "failing" });
        throw new InvalidOperationException($"probe failure {context.Message.EventId}");
    }
}

// Counts raw deliveries (no inbox), so a message published twice is seen twice.
public sealed class RaceProbeConsumer : IConsumer<RaceProbeHappened>
{
    public static readonly ConcurrentDictionary<Guid, int> Deliveries = new();

    public Task Consume(ConsumeContext<RaceProbeHappened> context)
    {
        Deliveries.AddOrUpdate(context.Message.EventId, 1, (_, n) => n + 1);
        return Task.CompletedTask;
    }
}

// Records the trace the consumer runs in.
public sealed class TraceProbeConsumer : IConsumer<TraceProbeHappened>
{
    public static readonly ConcurrentDictionary<Guid, ActivityTraceId> Traces = new();

    public Task Consume(ConsumeContext<TraceProbeHappened> context)
    {
        Traces[context.Message.EventId] = Activity.Current?.TraceId ?? default;
        return Task.CompletedTask;
    }
}
