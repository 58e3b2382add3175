using Npgsql;

namespace Introserv.BuildingBlocks.Data;

public static class DatabaseFailures
{
    // Whether the database could not be used, for now: a failure Npgsql calls transient anywhere in the chain (EF wraps
    // it once its retries are spent): no connection (refused, broken, timed out, the pool exhausted), a server shutting
    // down or out of connections, a deadlock or serialization failure. A constraint violation or a bad statement is
    // not one: it is a defect, and trying again changes nothing.
    public static bool IsUnavailable(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is NpgsqlException { IsTransient: true })
            {
                return true;
            }
        }

        return false;
    }
}
