namespace Introserv.Gateway.AllowLists;

/// <summary>
/// Keeps requests from waiting on a Redis that is down: every call is bounded by <see cref="AllowListOptions.RedisTimeout"/>,
/// and after a failure Redis is skipped for <see cref="AllowListOptions.RedisRetryAfter"/> (one probe then decides).
/// </summary>
internal sealed class RedisBreaker(AllowListOptions settings, TimeProvider clock, ILogger logger)
{
    private long _openUntilTicks;

    public bool IsOpen => clock.GetUtcNow().UtcTicks < Interlocked.Read(ref _openUntilTicks);

    /// <summary>Runs a Redis call unless the breaker is open; null when skipped or failed.</summary>
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
            logger.LogWarning(ex, "Redis did not answer; allow-lists come from memory and Identity until {Until}", until);
            return null;
        }
    }
}
