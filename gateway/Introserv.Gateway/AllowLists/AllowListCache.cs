using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;
using Introserv.AllowList;
using Introserv.Identity.Grpc;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Introserv.Gateway.AllowLists;

// Settings of the allow-list cache (section AllowLists).
public sealed class AllowListOptions
{
    public const string SectionName = "AllowLists";

    // How long a replica trusts its in-memory copy before asking Redis again.
    public TimeSpan MemoryTtl { get; set; } = TimeSpan.FromSeconds(2);

    // How long a copy in Redis counts as current after Identity confirmed it (by an event or an answer); after that
    // Identity is asked again. MemoryTtl + this bounds how long a lost event can leave an old list in force.
    public TimeSpan ReconcileAfter { get; set; } = TimeSpan.FromSeconds(3);

    // How long Redis keeps a list nobody asks for.
    public TimeSpan RedisTtl { get; set; } = TimeSpan.FromHours(24);

    // How long a copy that could not be refreshed is still used while Redis and Identity are down.
    public TimeSpan StaleGrace { get; set; } = TimeSpan.FromMinutes(30);

    // The longest a request waits for Redis.
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    // After Redis failed, how long it is skipped before it is tried again.
    public TimeSpan RedisRetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    // The longest a request waits for Identity's answer.
    public TimeSpan IdentityTimeout { get; set; } = TimeSpan.FromSeconds(2);

    // How long a starting replica may spend asking Identity once before it serves (IdentityWarmup); zero skips it.
    public TimeSpan IdentityWarmup { get; set; } = TimeSpan.FromSeconds(5);
}

// One account's compiled allow-list and its version; FetchedAt is when this replica took it, ConfirmedAt when Identity
// last vouched for it (an event or an answer).
public sealed record CachedAllowList(
    long Version, IReadOnlyList<string> Entries, IpAllowListMatcher Matcher, DateTimeOffset FetchedAt,
    DateTimeOffset ConfirmedAt);

// Why a list could not be had.
public sealed class AllowListUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

// The allow-lists the gateway enforces, in three layers: an in-memory copy per replica (AllowListOptions.MemoryTtl),
// Redis shared by the replicas (written by the IpAllowListChanged consumer and by answers from Identity, newest version
// wins), and Identity, the source of truth, asked over gRPC when Redis has nothing or its copy was last confirmed more
// than AllowListOptions.ReconcileAfter ago. A change reaches every replica through a Redis notification at once; a lost
// event is corrected by the reconciliation within seconds.
//
// When Redis is down it is skipped (RedisBreaker) and Identity is asked directly; when neither answers, a replica keeps
// using its last copy for AllowListOptions.StaleGrace; with no copy at all the request is refused (fail closed): an
// account whose list cannot be known is not let through.
internal sealed class AllowListCache
{
    public const string KeyPrefix = "introserv:allow-list:";
    public const string ChangedChannel = "introserv:allow-list:changed";

    // Stores the list when its version is newer; the same version only renews the confirmation time.
    private const string SetIfNewerScript = """
        local current = redis.call('HGET', KEYS[1], 'version')
        if current and tonumber(current) > tonumber(ARGV[1]) then return 0 end
        if current and tonumber(current) == tonumber(ARGV[1]) then
          redis.call('HSET', KEYS[1], 'verified', ARGV[4])
          redis.call('PEXPIRE', KEYS[1], ARGV[3])
          return 0
        end
        redis.call('HSET', KEYS[1], 'version', ARGV[1], 'entries', ARGV[2], 'verified', ARGV[4])
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        return 1
        """;

    // Above this many accounts with an announced version, the record starts again (a bounded memory; losing a floor
    // only reopens the short window it closed).
    private const int MaxAnnounced = 100_000;

    private readonly ConcurrentDictionary<Guid, CachedAllowList> _memory = new();

    // The loads under way, one per account (requests that miss the memory together share it).
    private readonly ConcurrentDictionary<Guid, Load> _loads = new();

    // The newest version announced per account (a change stored here or published by another replica): a copy older
    // than it was read before the change and is not kept, even if its answer arrives after the announcement.
    private readonly ConcurrentDictionary<Guid, long> _announced = new();
    private readonly IConnectionMultiplexer _redis;
    private readonly AccountAccess.AccountAccessClient _identity;
    private readonly AllowListOptions _settings;
    private readonly TimeProvider _clock;
    private readonly ILogger<AllowListCache> _logger;
    private readonly RedisBreaker _breaker;

    public AllowListCache(
        IConnectionMultiplexer redis,
        AccountAccess.AccountAccessClient identity,
        IOptions<AllowListOptions> settings,
        TimeProvider clock,
        ILogger<AllowListCache> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        (_redis, _identity, _settings, _clock, _logger) = (redis, identity, settings.Value, clock, logger);
        _breaker = new RedisBreaker(_settings, clock, logger);
    }

    public static RedisKey Key(Guid accountId) => KeyPrefix + accountId.ToString("N");

    // The account's list: from memory, Redis or Identity, in that order. Requests that miss the memory at once share
    // one load (one Redis read, at most one call to Identity), unless a change was announced since that load began:
    // a request that starts after a change never takes an answer read before it.
    public async Task<CachedAllowList> GetAsync(Guid accountId, CancellationToken cancellationToken)
    {
        _memory.TryGetValue(accountId, out var cached);
        if (cached is not null && _clock.GetUtcNow() - cached.FetchedAt < _settings.MemoryTtl)
        {
            return cached;
        }

        var floor = _announced.TryGetValue(accountId, out var announced) ? announced : long.MinValue;
        var mine = new Load(floor);
        var current = _loads.AddOrUpdate(
            accountId, mine, (_, running) => running.Floor == floor ? running : mine);
        if (current == mine)
        {
            _ = RunAsync(accountId, cached, mine);
        }

        return await current.Answer.Task.WaitAsync(cancellationToken);
    }

    // Runs a shared load to its end, even when the request that began it has gone: the others wait for it too. Redis
    // and Identity are each bounded by their own budgets. The load stops taking new requests before it answers: a
    // request that comes after the answer (the memory copy already stale, or the grace period over) starts its own.
    private async Task RunAsync(Guid accountId, CachedAllowList? cached, Load load)
    {
        CachedAllowList list;
        try
        {
            list = await LoadAsync(accountId, cached, CancellationToken.None);
        }
        catch (Exception ex)
        {
            _loads.TryRemove(new KeyValuePair<Guid, Load>(accountId, load));
            load.Answer.SetException(ex);
            return;
        }

        _loads.TryRemove(new KeyValuePair<Guid, Load>(accountId, load));
        load.Answer.SetResult(list);
    }

    // One load of an account's list that requests share, begun when floor was the newest announced version.
    private sealed class Load(long floor)
    {
        public long Floor { get; } = floor;

        public TaskCompletionSource<CachedAllowList> Answer { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private async Task<CachedAllowList> LoadAsync(
        Guid accountId, CachedAllowList? cached, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var shared = await ReadRedisAsync(accountId, cancellationToken);
        if (shared is not null && now - shared.ConfirmedAt < _settings.ReconcileAfter)
        {
            return Remember(accountId, shared);
        }

        try
        {
            return Remember(accountId, await AskIdentityAsync(accountId, cancellationToken));
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Identity is down: the newest copy known anywhere, within the grace period, else fail closed.
            var fallback = new[] { shared, cached }.Where(c => c is not null).MaxBy(c => (c!.Version, c.ConfirmedAt));
            if (fallback is not null && now - fallback.ConfirmedAt < _settings.StaleGrace)
            {
                _logger.LogWarning(
                    ex, "Allow-list of {AccountId} could not be confirmed by Identity; using version {Version}",
                    accountId, fallback.Version);
                return Remember(accountId, fallback with { FetchedAt = now });
            }

            throw new AllowListUnavailableException($"The IP allow-list of account {accountId} cannot be loaded.", ex);
        }
    }

    // Keeps a copy unless this replica already holds a newer version or a newer one was announced: a request that
    // read an old version (it began before a change) answers with it, but must not leave it for the next requests.
    private CachedAllowList Remember(Guid accountId, CachedAllowList list)
    {
        if (_announced.TryGetValue(accountId, out var floor) && list.Version < floor)
        {
            return _memory.TryGetValue(accountId, out var newer) && newer.Version > list.Version ? newer : list;
        }

        var kept = _memory.AddOrUpdate(accountId, list, (_, held) => held.Version > list.Version ? held : list);
        // An announcement between the check above and the write: it may have found nothing to drop yet.
        if (_announced.TryGetValue(accountId, out floor) && kept.Version < floor)
        {
            _memory.TryRemove(new KeyValuePair<Guid, CachedAllowList>(accountId, kept));
        }

        return kept;
    }

    // A change to version (or newer) exists: drops an older in-memory copy and keeps none older from now on.
    public void Announce(Guid accountId, long version)
    {
        if (_announced.Count > MaxAnnounced)
        {
            _announced.Clear();
        }

        _announced.AddOrUpdate(accountId, version, (_, known) => Math.Max(known, version));
        if (_memory.TryGetValue(accountId, out var held) && held.Version < version)
        {
            _memory.TryRemove(new KeyValuePair<Guid, CachedAllowList>(accountId, held));
        }
    }

    // Drops the in-memory copy (a change was announced without its version).
    public void Invalidate(Guid accountId) => _memory.TryRemove(accountId, out _);

    // A message on ChangedChannel: "<account>:<version>", or "<account>" from a replica of an earlier release.
    public void OnChangeAnnounced(string message)
    {
        var parts = message.Split(':');
        if (!Guid.TryParse(parts[0], out var accountId))
        {
            return;
        }

        if (parts.Length == 2
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var version))
        {
            Announce(accountId, version);
        }
        else
        {
            Invalidate(accountId);
        }
    }

    // Stores a list in Redis when it is newer than the stored one and tells every replica.
    public async Task<bool> StoreAsync(Guid accountId, long version, IReadOnlyList<string> entries)
    {
        var database = _redis.GetDatabase();
        var stored = (long)await database.ScriptEvaluateAsync(
            SetIfNewerScript,
            [Key(accountId)],
            [version, JsonSerializer.Serialize(entries), (long)_settings.RedisTtl.TotalMilliseconds,
                _clock.GetUtcNow().ToUnixTimeMilliseconds()]);
        if (stored == 1)
        {
            await _redis.GetSubscriber().PublishAsync(
                RedisChannel.Literal(ChangedChannel),
                string.Create(CultureInfo.InvariantCulture, $"{accountId:N}:{version}"));
        }

        Announce(accountId, version);
        return stored == 1;
    }

    private async Task<CachedAllowList?> ReadRedisAsync(Guid accountId, CancellationToken cancellationToken)
    {
        var fields = await _breaker.TryAsync(
            () => _redis.GetDatabase().HashGetAsync(Key(accountId), ["version", "entries", "verified"]),
            cancellationToken);
        if (fields is null || fields[0].IsNull || fields[1].IsNull)
        {
            return null;
        }

        var entries = JsonSerializer.Deserialize<List<string>>(fields[1].ToString()) ?? [];
        var confirmed = fields[2].IsNull
            ? DateTimeOffset.MinValue
            : DateTimeOffset.FromUnixTimeMilliseconds((long)fields[2]);
        return Compile((long)fields[0], entries, confirmed);
    }

    private async Task<CachedAllowList> AskIdentityAsync(Guid accountId, CancellationToken cancellationToken)
    {
        var reply = await _identity.GetIpAllowListAsync(
            new GetIpAllowListRequest { AccountId = accountId.ToString() },
            deadline: DateTime.UtcNow.Add(_settings.IdentityTimeout),
            cancellationToken: cancellationToken);
        var list = reply.Entries.ToList();
        if (!_breaker.IsOpen)
        {
            await _breaker.TryAsync(
                async () => (object)await StoreAsync(accountId, reply.Version, list), cancellationToken);
        }

        return Compile(reply.Version, list, _clock.GetUtcNow());
    }

    private CachedAllowList Compile(long version, IReadOnlyList<string> entries, DateTimeOffset confirmedAt) =>
        new(version, entries, IpAllowListMatcher.FromEntries(entries), _clock.GetUtcNow(), confirmedAt);
}
