extern alias gateway;

using gateway::Introserv.Gateway.AllowLists;
using Grpc.Net.Client;
using Introserv.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Introserv.IntegrationTests.Gateway;

/// <summary>The gateway's allow-list cache against the real Redis, with Identity unreachable.</summary>
public sealed class AllowListCacheTests : IAsyncLifetime
{
    private readonly ShiftedTimeProvider _clock = new();
    private ConnectionMultiplexer _redis = null!;
    private GrpcChannel _deadIdentity = null!;

    public async Task InitializeAsync()
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(LocalInfra.Current.Redis);
        // Nothing listens on port 9 (discard): every call to Identity fails.
        _deadIdentity = GrpcChannel.ForAddress("http://127.0.0.1:9");
    }

    public async Task DisposeAsync()
    {
        _deadIdentity.Dispose();
        await _redis.DisposeAsync();
    }

    private AllowListCache NewCache() => new(
        _redis,
        new gateway::Introserv.Identity.Grpc.AccountAccess.AccountAccessClient(_deadIdentity),
        Options.Create(new AllowListSettings()),
        _clock,
        NullLogger<AllowListCache>.Instance);

    [Fact]
    public async Task An_account_whose_list_cannot_be_loaded_is_refused()
    {
        var cache = NewCache();

        await Assert.ThrowsAsync<AllowListUnavailableException>(() => cache.GetAsync(Guid.NewGuid(), CancellationToken.None));
    }

    [Fact]
    public async Task The_newest_version_wins_whatever_order_the_events_arrive_in()
    {
        var cache = NewCache();
        var account = Guid.NewGuid();

        Assert.True(await cache.StoreAsync(account, 2, ["10.0.0.0/8"]));
        Assert.False(await cache.StoreAsync(account, 1, ["192.0.2.1"]));
        Assert.False(await cache.StoreAsync(account, 2, ["192.0.2.1"]));

        var list = await cache.GetAsync(account, CancellationToken.None);
        Assert.Equal(2, list.Version);
        Assert.Equal(["10.0.0.0/8"], list.Entries);
        Assert.True(list.Matcher.Allows(System.Net.IPAddress.Parse("10.1.1.1")));
        await _redis.GetDatabase().KeyDeleteAsync(AllowListCache.Key(account));
    }

    [Fact]
    public async Task Another_replica_sees_a_change_through_redis()
    {
        var replicaA = NewCache();
        var replicaB = NewCache();
        var account = Guid.NewGuid();
        await replicaA.StoreAsync(account, 1, []);
        Assert.True((await replicaB.GetAsync(account, CancellationToken.None)).Matcher.IsUnrestricted);

        await replicaA.StoreAsync(account, 2, ["192.0.2.7"]);
        _clock.Advance(new AllowListSettings().MemoryTtl);

        Assert.Equal(["192.0.2.7"], (await replicaB.GetAsync(account, CancellationToken.None)).Entries);
        await _redis.GetDatabase().KeyDeleteAsync(AllowListCache.Key(account));
    }

    [Fact]
    public async Task A_known_list_is_still_enforced_for_a_while_when_redis_and_identity_lose_it()
    {
        var cache = NewCache();
        var account = Guid.NewGuid();
        await cache.StoreAsync(account, 3, ["192.0.2.0/24"]);
        await cache.GetAsync(account, CancellationToken.None);

        await _redis.GetDatabase().KeyDeleteAsync(AllowListCache.Key(account));
        _clock.Advance(TimeSpan.FromMinutes(1));
        var stale = await cache.GetAsync(account, CancellationToken.None);
        Assert.Equal(3, stale.Version);
        Assert.False(stale.Matcher.Allows(System.Net.IPAddress.Parse("198.51.100.1")));

        // Past the grace period the gateway no longer guesses: fail closed.
        _clock.Advance(new AllowListSettings().StaleGrace);
        await Assert.ThrowsAsync<AllowListUnavailableException>(() => cache.GetAsync(account, CancellationToken.None));
    }
}
