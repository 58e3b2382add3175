using Introserv.Contracts;

namespace Introserv.BuildingBlocks.Tests.Messaging;

// One event type per scenario, so that the scenarios' consumers never see each other's messages.

public sealed record OutageProbeHappened(Guid EventId, DateTimeOffset OccurredAt, Guid AccountId, int Sequence)
    : IIntegrationEvent;

public sealed record DuplicateProbeHappened(Guid EventId, DateTimeOffset OccurredAt, Guid AccountId)
    : IIntegrationEvent;

public sealed record RollbackProbeHappened(Guid EventId, DateTimeOffset OccurredAt, Guid AccountId, bool Marker)
    : IIntegrationEvent;

public sealed record FailingProbeHappened(Guid EventId, DateTimeOffset OccurredAt, Guid AccountId) : IIntegrationEvent;

public sealed record DatabaseOutageProbeHappened(Guid EventId, DateTimeOffset OccurredAt, Guid AccountId)
    : IIntegrationEvent;

public sealed record RaceProbeHappened(Guid EventId, DateTimeOffset OccurredAt, Guid AccountId, int Sequence)
    : IIntegrationEvent;

public sealed record TraceProbeHappened(Guid EventId, DateTimeOffset OccurredAt, Guid AccountId) : IIntegrationEvent;
