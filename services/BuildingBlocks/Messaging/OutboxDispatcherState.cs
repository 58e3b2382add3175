using Microsoft.EntityFrameworkCore;

namespace Introserv.BuildingBlocks.Messaging;

// What the outbox dispatcher of TContext last did, for health and diagnostics.
public sealed class OutboxDispatcherState<TContext>
    where TContext : DbContext
{
    private readonly Lock _gate = new();

    public bool Running { get; private set; }

    public DateTimeOffset? LastSuccessAt { get; private set; }

    public DateTimeOffset? FailingSince { get; private set; }

    public string? LastError { get; private set; }

    internal void Started()
    {
        lock (_gate)
        {
            Running = true;
        }
    }

    internal void Stopped()
    {
        lock (_gate)
        {
            Running = false;
        }
    }

    internal void Succeeded(DateTimeOffset now)
    {
        lock (_gate)
        {
            LastSuccessAt = now;
            FailingSince = null;
            LastError = null;
        }
    }

    internal void Failed(DateTimeOffset now, string error)
    {
        lock (_gate)
        {
            FailingSince ??= now;
            LastError = error;
        }
    }
}
