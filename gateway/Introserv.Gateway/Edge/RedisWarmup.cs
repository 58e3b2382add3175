using StackExchange.Redis;

namespace Introserv.Gateway.Edge;

// Connects to Redis while the replica starts, not in its first request: otherwise the first burst a new replica
// takes (a rollout, the autoscaler) finds the connection still opening, every reservation misses its budget and the
// replica counts alone for RedisRetryAfter, admitting up to the whole limit on top of the other replicas. Waits at
// most the connection's ConnectTimeout and StartupBudget; a Redis that is down does not hold the replica back (it
// counts alone, as documented).
internal sealed class RedisWarmup(IServiceProvider services, ILogger<RedisWarmup> logger) : IHostedService
{
    public static readonly TimeSpan StartupBudget = TimeSpan.FromSeconds(3);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(StartupBudget);
        try
        {
            // Resolving the multiplexer opens the connection (synchronously, bounded by its ConnectTimeout).
            var redis = await Task.Run(services.GetRequiredService<IConnectionMultiplexer>, budget.Token);
            if (!redis.IsConnected)
            {
                logger.LogWarning(
                    "Redis is not reachable at startup; rate limits count on this replica alone until it answers");
                return;
            }

            await services.GetRequiredService<SharedRateLimits>().LoadScriptAsync(budget.Token);
        }
        catch (Exception ex) when (ex is OperationCanceledException or RedisException or TimeoutException)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            logger.LogWarning(
                "Redis was not reachable within {Budget} at startup ({Error}); rate limits count on this replica alone "
                + "until it answers", StartupBudget, ex.Message);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
