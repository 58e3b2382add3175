namespace Introserv.Orders.Data;

// A request made with an Idempotency-Key: its body's hash and, once done, its response.
public sealed class IdempotencyRecord
{
    public Guid AccountId { get; set; }

    public required string Key { get; set; }

    public required string Operation { get; set; }

    public required string RequestHash { get; set; }

    public int? ResponseStatus { get; set; }

    public string? ResponseBody { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
