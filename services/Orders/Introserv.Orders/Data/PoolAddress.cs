namespace Introserv.Orders.Data;

// An address the provider owns for services: free, held by an order, or retired (never handed out again; a
// retired address an order holds stays with it until the service ends).
public sealed class PoolAddress
{
    public required string Address { get; set; }

    public Guid? OrderId { get; set; }

    public DateTimeOffset? AssignedAt { get; set; }

    public DateTimeOffset AddedAt { get; set; }

    public DateTimeOffset? RetiredAt { get; set; }
}
