namespace Introserv.Orders.Domain;

public static class Timestamps
{
    // The current time at PostgreSQL's precision (microseconds), so what a response shows is what a later read
    // returns (a paidUntil computed from an unrounded time would differ in its last digits after the round trip).
    public static DateTimeOffset Now(this TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        var now = clock.GetUtcNow();
        return new DateTimeOffset(now.Ticks - (now.Ticks % 10), now.Offset);
    }
}
