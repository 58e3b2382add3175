using MassTransit;

namespace Introserv.Contracts;

/// <summary>
/// What every integration event carries. Events are sealed records in the publishing service's
/// Contracts project, named in the past tense; their namespace and name are part of the wire identity.
/// </summary>
[ExcludeFromTopology]
public interface IIntegrationEvent
{
    /// <summary>Unique id of this event; consumers de-duplicate on it.</summary>
    Guid EventId { get; }

    /// <summary>When the change happened (UTC).</summary>
    DateTimeOffset OccurredAt { get; }

    /// <summary>The account the event is about.</summary>
    Guid AccountId { get; }
}
