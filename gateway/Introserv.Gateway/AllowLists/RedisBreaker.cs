namespace Introserv.Gateway.AllowLists;

// Keeps requests from waiting on a Redis that is down: every call is bounded by AllowListOptions.RedisTimeout, and
// after a failure Redis is skipped for AllowListOptions.RedisRetryAfter (one probe then decides).
internal sealed class RedisBreaker(AllowListOptions settings, TimeProvider clock, ILogger logger)
{
    private long _openUntilTicks;

    public bool IsOpen => clock.GetUtcNow().UtcTicks < Interlocked.Read(ref _openUntilTicks);

    // Runs a Redis call unless the breaker is open; null when skipped or failed.
    public async Task<T?> TryAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
        where T : class
    {
        if (IsOpen)
        {
            return null;
        }

        try
        {
            return await call().WaitAsync(settings.RedisTimeout, clock, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var until = clock.GetUtcNow() + settings.RedisRetryAfter;
            Interlocked.Exchange(ref _openUntilTicks, until.UtcTicks);
            logger.LogWarning(
                ex, "Redis did not answer; allow-lists come from memory and Identity until {Until}", until);
            return null;
        }
    }
}
