using Introserv.Identity.Contracts;
using MassTransit;

namespace Introserv.Gateway.AllowLists;

/// <summary>
/// Writes a changed allow-list to Redis (newest version wins, so a redelivered or out-of-order event changes
/// nothing) and notifies every gateway replica. One replica consumes each event (competing consumers).
/// </summary>
internal sealed class AllowListChangedConsumer(AllowListCache cache, ILogger<AllowListChangedConsumer> logger) : IConsumer<IpAllowListChanged>
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

/// <summary>Drops this replica's in-memory copy when another replica announces a change.</summary>
internal sealed class AllowListInvalidationListener(
    StackExchange.Redis.IConnectionMultiplexer redis,
    AllowListCache cache,
    ILogger<AllowListInvalidationListener> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await redis.GetSubscriber().SubscribeAsync(
            StackExchange.Redis.RedisChannel.Literal(AllowListCache.ChangedChannel),
            (_, message) =>
            {
                if (Guid.TryParse(message.ToString(), out var accountId))
                {
                    cache.Invalidate(accountId);
                }
            });
        logger.LogDebug("Listening for allow-list changes");
    }

    public Task StopAsync(CancellationToken cancellationToken) =>
        redis.GetSubscriber().UnsubscribeAsync(StackExchange.Redis.RedisChannel.Literal(AllowListCache.ChangedChannel));
}
