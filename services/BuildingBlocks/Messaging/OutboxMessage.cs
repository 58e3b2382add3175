namespace Introserv.BuildingBlocks.Messaging;

/// <summary>
/// An integration event waiting to be published. It is written in the same transaction as the
/// business change that raised it, so a rolled-back change never publishes anything.
/// </summary>
public sealed class OutboxMessage
{
    /// <summary>The event id; also the MassTransit message id, which consumers de-duplicate on.</summary>
    public Guid Id { get; set; }

    /// <summary>The CLR type name of the event (namespace-qualified: it is part of the wire identity).</summary>
    public required string MessageType { get; set; }

    /// <summary>The event serialised as JSON.</summary>
    public required string Payload { get; set; }

    /// <summary>W3C trace context of the transaction that raised the event, so the trace continues.</summary>
    public string? TraceParent { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? SentAt { get; set; }

    /// <summary>Failed attempts caused by the row itself (unknown type, bad payload); a broker outage does not count.</summary>
    public int Attempts { get; set; }

    /// <summary>After a failure caused by the row itself, the dispatcher leaves it alone until then.</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }

    public string? LastError { get; set; }
}
