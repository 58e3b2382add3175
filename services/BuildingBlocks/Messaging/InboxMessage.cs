namespace Introserv.BuildingBlocks.Messaging;

// A message a consumer has already applied. Recorded in the same transaction as the consumer's
// effect, so a redelivered message is recognised and changes nothing.
public sealed class InboxMessage
{
    public Guid MessageId { get; set; }

    public required string Consumer { get; set; }

    public DateTimeOffset ProcessedAt { get; set; }
}
