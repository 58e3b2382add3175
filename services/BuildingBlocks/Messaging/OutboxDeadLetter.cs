namespace Introserv.BuildingBlocks.Messaging;

// An outbox row that could not be published after MessagingOptions.MaxPublishAttempts attempts (its type is unknown to
// this version of the service, or its payload does not deserialise or serialise). It is kept, with its payload, so an
// operator can inspect it and put it back into the outbox.
public sealed class OutboxDeadLetter
{
    public Guid Id { get; set; }

    public required string MessageType { get; set; }

    public required string Payload { get; set; }

    public string? TraceParent { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset DeadLetteredAt { get; set; }

    public int Attempts { get; set; }

    public string? LastError { get; set; }

    internal static OutboxDeadLetter From(OutboxMessage row, DateTimeOffset now) => new()
    {
        Id = row.Id,
        MessageType = row.MessageType,
        Payload = row.Payload,
        TraceParent = row.TraceParent,
        CreatedAt = row.CreatedAt,
        DeadLetteredAt = now,
        Attempts = row.Attempts,
        LastError = row.LastError,
    };
}
