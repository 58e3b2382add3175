using Introserv.Identity.Contracts;
using MassTransit;

namespace Introserv.Gateway.AllowLists;

// Writes a changed allow-list to Redis (newest version wins, so a redelivered or out-of-order event changes
// nothing) and notifies every gateway replica. One replica consumes each event (competing consumers).
internal sealed class AllowListChangedConsumer(AllowListCache cache, ILogger<AllowListChangedConsumer> logger)
    : IConsumer<IpAllowListChanged>
{
    public async Task Consume(ConsumeContext<IpAllowListChanged> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var change = context.Message;
        var stored = await cache.StoreAsync(change.AccountId, change.Version, change.Entries);
        logger.LogInformation(
            "Allow-list of {AccountId} version {Version} ({Count} entries) {Outcome}",
            change.AccountId, change.Version, change.Entries.Count, stored ? "stored" : "ignored: not newer");
    }
}

// Drops this replica's in-memory copy when another replica announces a change. While Redis is down the
// subscription is retried in the background (the memory copy's short lifetime bounds staleness meanwhile);
// start-up never waits for Redis.
internal sealed class AllowListInvalidationListener(
    StackExchange.Redis.IConnectionMultiplexer redis,
    AllowListCache cache,
    ILogger<AllowListInvalidationListener> logger) : BackgroundService
{
    private static readonly StackExchange.Redis.RedisChannel Channel =
        StackExchange.Redis.RedisChannel.Literal(AllowListCache.ChangedChannel);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await redis.GetSubscriber().SubscribeAsync(
                    Channel, (_, message) => cache.OnChangeAnnounced(message.ToString()));
                logger.LogDebug("Listening for allow-list changes");
                return;
            }
            catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
            {
                logger.LogWarning(ex, "Cannot subscribe to allow-list changes yet; retrying in 5 s");
                await Task.Delay(TimeSpan.FromSeconds(5), stoppingToken);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await redis.GetSubscriber().UnsubscribeAsync(Channel);
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or ObjectDisposedException)
        {
            // Redis unreachable, or its connection already closed by the host shutting down: nothing to undo.
            logger.LogDebug(ex, "Unsubscribing from allow-list changes failed");
        }
    }
}
