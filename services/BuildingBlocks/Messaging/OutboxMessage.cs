namespace Introserv.BuildingBlocks.Messaging;

// An integration event waiting to be published. It is written in the same transaction as the
// business change that raised it, so a rolled-back change never publishes anything.
public sealed class OutboxMessage
{
    // The event id; also the MassTransit message id, which consumers de-duplicate on.
    public Guid Id { get; set; }

    // The CLR type name of the event (namespace-qualified: it is part of the wire identity).
    public required string MessageType { get; set; }

    // The event serialised as JSON.
    public required string Payload { get; set; }

    // W3C trace context of the transaction that raised the event, so the trace continues.
    public string? TraceParent { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? SentAt { get; set; }

    // Failed attempts caused by the row itself (unknown type, bad payload); a broker outage does not count.
    public int Attempts { get; set; }

    // After a failure caused by the row itself, the dispatcher leaves it alone until then.
    public DateTimeOffset? NextAttemptAt { get; set; }

    public string? LastError { get; set; }
}
