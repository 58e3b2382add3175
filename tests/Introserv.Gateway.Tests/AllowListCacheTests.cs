using Grpc.Core;
using Grpc.Net.Client;
using Introserv.Gateway.AllowLists;
using Introserv.Identity.Grpc;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Introserv.Gateway.Tests;

// The gateway's allow-list cache against the real Redis, with Identity unreachable.
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

    // The shipped settings, with time for the live Redis on a loaded machine (past the shipped 250 ms a read counts as
    // failed and, Identity being unreachable here, a list as unavailable: not what these tests are about).
    private static AllowListOptions LiveRedis() => new() { RedisTimeout = TimeSpan.FromSeconds(5) };

    private AllowListCache NewCache() => new(
        _redis,
        new Introserv.Identity.Grpc.AccountAccess.AccountAccessClient(_deadIdentity),
        Options.Create(LiveRedis()),
        _clock,
        NullLogger<AllowListCache>.Instance);

    [Fact]
    public async Task An_account_whose_list_cannot_be_loaded_is_refused()
    {
        var cache = NewCache();

        await Assert.ThrowsAsync<AllowListUnavailableException>(() =>
            cache.GetAsync(Guid.NewGuid(), CancellationToken.None));
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
        _clock.Advance(new AllowListOptions().MemoryTtl);

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
        _clock.Advance(new AllowListOptions().StaleGrace);
        await Assert.ThrowsAsync<AllowListUnavailableException>(() => cache.GetAsync(account, CancellationToken.None));
    }

    // Identity as the gateway sees it: answers with the list it holds now, or fails when told to.
    private sealed class FakeIdentity : AccountAccess.AccountAccessClient
    {
        public long Version { get; set; }

        public IReadOnlyList<string> Entries { get; set; } = [];

        public bool Down { get; set; }

        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        // While set, a call reads the list as it is then but answers only once this completes (a slow answer).
        public TaskCompletionSource? Hold { get; set; }

        public override AsyncUnaryCall<IpAllowListReply> GetIpAllowListAsync(
            GetIpAllowListRequest request, Metadata? headers = null, DateTime? deadline = null,
            CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _calls);
            var reply = Down
                ? Task.FromException<IpAllowListReply>(new RpcException(
                    new Status(StatusCode.Unavailable, "identity is down")))
                : Task.FromResult(
                    new IpAllowListReply { AccountFound = true, Version = Version, Entries = { Entries } });
            if (Hold is { } hold)
            {
                var answer = reply;
                reply = hold.Task.ContinueWith(_ => answer, TaskScheduler.Default).Unwrap();
            }

            return new AsyncUnaryCall<IpAllowListReply>(reply, Task.FromResult(new Metadata()),
                () => Status.DefaultSuccess, () => [], () => { });
        }
    }

    [Fact]
    public async Task Lists_read_before_a_change_and_answered_after_it_are_not_kept()
    {
        var (identity, cache, account) = NewAccount();

        // Twenty requests ask Identity for the list at once; their answers (version 1) are slow to come back ...
        var (reads, release) = await SlowReadsAsync(identity, cache, account, 20);

        // ... meanwhile the change to version 2 is stored and announced, as the change event does ...
        (identity.Version, identity.Entries) = (2, ["198.51.100.0/24"]);
        Assert.True(await cache.StoreAsync(account, 2, ["198.51.100.0/24"]));

        // ... then the old answers arrive. They may answer the requests that began before the change, but the
        // replica goes on with version 2, not an old list for the rest of its memory lifetime.
        release();
        await Task.WhenAll(reads);
        var list = await cache.GetAsync(account, CancellationToken.None);
        Assert.Equal(2, list.Version);
        Assert.Equal(["198.51.100.0/24"], list.Entries);
        await _redis.GetDatabase().KeyDeleteAsync(AllowListCache.Key(account));
    }

    [Fact]
    public async Task A_replica_told_of_a_change_through_redis_does_not_keep_a_list_read_before_it()
    {
        var (identity, cache, account) = NewAccount();
        var (reads, release) = await SlowReadsAsync(identity, cache, account, 1);

        // Another replica stored version 2 and published the change (its message names account and version).
        (identity.Version, identity.Entries) = (2, ["198.51.100.0/24"]);
        var other = new AllowListCache(_redis, identity, Options.Create(LiveRedis()), _clock,
            NullLogger<AllowListCache>.Instance);
        Assert.True(await other.StoreAsync(account, 2, ["198.51.100.0/24"]));
        cache.OnChangeAnnounced($"{account:N}:2");
        release();
        await Task.WhenAll(reads);

        Assert.Equal(2, (await cache.GetAsync(account, CancellationToken.None)).Version);
        // A message without a version (from a replica of an earlier release) still drops the copy.
        Assert.True(await other.StoreAsync(account, 3, ["203.0.113.0/24"]));
        cache.OnChangeAnnounced(account.ToString("N"));
        Assert.Equal(3, (await cache.GetAsync(account, CancellationToken.None)).Version);
        await _redis.GetDatabase().KeyDeleteAsync(AllowListCache.Key(account));
    }

    // A cache whose Identity holds version 1 of a new account's list.
    private (FakeIdentity Identity, AllowListCache Cache, Guid Account) NewAccount()
    {
        var identity = new FakeIdentity { Version = 1, Entries = ["192.0.2.1"] };
        var cache = new AllowListCache(_redis, identity, Options.Create(LiveRedis()), _clock,
            NullLogger<AllowListCache>.Instance);
        return (identity, cache, Guid.NewGuid());
    }

    // Starts count reads of the list at once, which share one question to Identity and wait for its answer until
    // release is called.
    private static async Task<(Task<CachedAllowList>[] Reads, Action Release)> SlowReadsAsync(
        FakeIdentity identity, AllowListCache cache, Guid account, int count)
    {
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        identity.Hold = hold;
        using var started = new CountdownEvent(count);
        var reads = Enumerable.Range(0, count)
            .Select(_ => Task.Run(() =>
            {
                var read = cache.GetAsync(account, CancellationToken.None);
                started.Signal();
                return read;
            }))
            .ToArray();
        Assert.True(started.Wait(TimeSpan.FromSeconds(10)));
        await AskedAsync(identity, 1);
        identity.Hold = null;
        Assert.All(reads, read => Assert.False(read.IsCompleted));
        return (reads, hold.SetResult);
    }

    // Waits until Identity has been asked calls times (the request has read the list as it then was).
    private static async Task AskedAsync(FakeIdentity identity, int calls)
    {
        for (var i = 0; i < 500 && identity.Calls < calls; i++)
        {
            await Task.Delay(10);
        }

        Assert.Equal(calls, identity.Calls);
    }

    [Fact]
    public async Task Twenty_requests_missing_the_same_list_at_once_ask_identity_once()
    {
        var (identity, cache, account) = NewAccount();

        var (reads, release) = await SlowReadsAsync(identity, cache, account, 20);
        release();

        Assert.All(await Task.WhenAll(reads), list => Assert.Equal(1, list.Version));
        Assert.Equal(1, identity.Calls);
        await _redis.GetDatabase().KeyDeleteAsync(AllowListCache.Key(account));
    }

    [Fact]
    public async Task A_request_that_starts_after_a_change_does_not_wait_for_a_load_begun_before_it()
    {
        var (identity, cache, account) = NewAccount();
        var (before, release) = await SlowReadsAsync(identity, cache, account, 5);

        (identity.Version, identity.Entries) = (2, ["198.51.100.0/24"]);
        Assert.True(await cache.StoreAsync(account, 2, ["198.51.100.0/24"]));
        var after = await cache.GetAsync(account, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        // The new request has the new list while the old load is still waiting for Identity's answer.
        Assert.Equal(2, after.Version);
        Assert.All(before, read => Assert.False(read.IsCompleted));
        release();
        // The old answer, arriving after the change, is not kept: its requests get the newer copy this replica holds.
        Assert.All(await Task.WhenAll(before), list => Assert.Equal(2, list.Version));
        Assert.Equal(2, (await cache.GetAsync(account, CancellationToken.None)).Version);
        await _redis.GetDatabase().KeyDeleteAsync(AllowListCache.Key(account));
    }

    [Fact]
    public async Task A_request_that_gives_up_does_not_cancel_the_load_the_others_wait_for()
    {
        var (identity, cache, account) = NewAccount();
        var hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        identity.Hold = hold;
        using var gone = new CancellationTokenSource();
        var first = cache.GetAsync(account, gone.Token);
        await AskedAsync(identity, 1);
        var second = cache.GetAsync(account, CancellationToken.None);

        await gone.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first);
        hold.SetResult();

        Assert.Equal(1, (await second).Version);
        Assert.Equal(1, identity.Calls);
        await _redis.GetDatabase().KeyDeleteAsync(AllowListCache.Key(account));
    }

    [Fact]
    public async Task A_request_after_a_load_has_answered_starts_a_new_load()
    {
        // A load that has answered must not be joined by a later request, however soon it comes: here the later
        // request comes after Identity went down and the grace period ended, so it must fail closed, not be given
        // the list the finished load read. Repeated, since the gap between an answer and the next request is short.
        var settings = new AllowListOptions();
        for (var i = 0; i < 200; i++)
        {
            var (identity, cache, account) = NewAccount();
            Assert.Equal(1, (await cache.GetAsync(account, CancellationToken.None)).Version);

            identity.Down = true;
            _clock.Advance(settings.StaleGrace + settings.MemoryTtl);
            await Assert.ThrowsAsync<AllowListUnavailableException>(() =>
                cache.GetAsync(account, CancellationToken.None));
            await _redis.GetDatabase().KeyDeleteAsync(AllowListCache.Key(account));
        }
    }

    [Fact]
    public async Task A_lost_change_event_is_corrected_from_identity_within_five_seconds()
    {
        var identity = new FakeIdentity { Version = 1, Entries = ["192.0.2.1"] };
        var cache = new AllowListCache(_redis, identity, Options.Create(LiveRedis()), _clock,
            NullLogger<AllowListCache>.Instance);
        var account = Guid.NewGuid();
        Assert.Equal(1, (await cache.GetAsync(account, CancellationToken.None)).Version);

        // Identity commits version 2; its event never reaches the gateway.
        (identity.Version, identity.Entries) = (2, ["198.51.100.0/24"]);
        var settings = new AllowListOptions();
        Assert.True(settings.MemoryTtl + settings.ReconcileAfter <= TimeSpan.FromSeconds(5));
        _clock.Advance(settings.MemoryTtl + settings.ReconcileAfter);

        var list = await cache.GetAsync(account, CancellationToken.None);
        Assert.Equal(2, list.Version);
        Assert.Equal(["198.51.100.0/24"], list.Entries);
        Assert.Equal("2", (await _redis.GetDatabase().HashGetAsync(AllowListCache.Key(account), "version")).ToString());
        await _redis.GetDatabase().KeyDeleteAsync(AllowListCache.Key(account));
    }

    [Fact]
    public async Task With_redis_down_identity_is_asked_without_waiting_on_redis_then_the_last_copy_is_used()
    {
        // Nothing listens on port 9: a Redis that is down.
        await using var deadRedis = await ConnectionMultiplexer.ConnectAsync(
            "127.0.0.1:9,abortConnect=false,connectTimeout=200");
        var identity = new FakeIdentity { Version = 4, Entries = ["192.0.2.0/24"] };
        var settings = new AllowListOptions();
        var cache = new AllowListCache(deadRedis, identity, Options.Create(settings), _clock,
            NullLogger<AllowListCache>.Instance);
        var accounts = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToList();

        // Twenty accounts, none cached: after the first Redis failure, Redis is skipped, not waited on.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        foreach (var account in accounts)
        {
            Assert.Equal(4, (await cache.GetAsync(account, CancellationToken.None)).Version);
        }

        Assert.Equal(20, identity.Calls);
        Assert.True(watch.Elapsed < settings.RedisTimeout * 8, $"20 look-ups took {watch.Elapsed}");

        // Identity goes down too: the copy it last confirmed is enforced for the grace period, then nothing is.
        identity.Down = true;
        _clock.Advance(TimeSpan.FromMinutes(1));
        var stale = await cache.GetAsync(accounts[0], CancellationToken.None);
        Assert.False(stale.Matcher.Allows(System.Net.IPAddress.Parse("198.51.100.1")));
        Assert.True(stale.Matcher.Allows(System.Net.IPAddress.Parse("192.0.2.9")));
        _clock.Advance(settings.StaleGrace);
        await Assert.ThrowsAsync<AllowListUnavailableException>(() =>
            cache.GetAsync(accounts[0], CancellationToken.None));
    }
}
