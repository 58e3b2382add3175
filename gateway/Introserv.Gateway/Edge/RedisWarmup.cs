using StackExchange.Redis;

namespace Introserv.Gateway.Edge;

// Connects to Redis while the replica starts, not in its first request: otherwise the first burst a new replica
// takes (a rollout, the autoscaler) finds the connection still opening, every reservation misses its budget and the
// replica counts alone for RedisRetryAfter, admitting up to the whole limit on top of the other replicas. A Redis that
// is down does not hold the replica back beyond the connection's ConnectTimeout (it counts alone, as documented); a
// connection that cannot even be made (no Sentinel answers) fails the start, as before, so Kubernetes restarts it.
internal sealed class RedisWarmup(IServiceProvider services, ILogger<RedisWarmup> logger) : IHostedService
{
    public static readonly TimeSpan ScriptBudget = TimeSpan.FromSeconds(2);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Resolving the multiplexer opens the connection (synchronously, bounded by its ConnectTimeout).
        var redis = await Task.Run(services.GetRequiredService<IConnectionMultiplexer>, cancellationToken);
        if (!redis.IsConnected)
        {
            logger.LogWarning(
                "Redis is not reachable at startup; rate limits count on this replica alone until it answers");
            return;
        }

        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(ScriptBudget);
        try
        {
            await services.GetRequiredService<SharedRateLimits>().LoadScriptAsync(budget.Token);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested
            && ex is OperationCanceledException or RedisException or TimeoutException)
        {
            logger.LogWarning("Redis did not load the rate-limit script at startup ({Error})", ex.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
