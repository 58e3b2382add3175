using System.Collections.Concurrent;
using System.Text.Json;
using Introserv.Identity.Contracts.Networking;
using Introserv.Identity.Grpc;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Introserv.Gateway.AllowLists;

/// <summary>Settings of the allow-list cache (section <c>AllowLists</c>).</summary>
public sealed class AllowListSettings
{
    public const string SectionName = "AllowLists";

    /// <summary>How long a replica trusts its in-memory copy before asking Redis again (propagation bound).</summary>
    public TimeSpan MemoryTtl { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>How long Redis keeps a list that no event refreshed (Identity is asked again after).</summary>
    public TimeSpan RedisTtl { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How long a copy that could not be refreshed is still used while Redis and Identity are down.</summary>
    public TimeSpan StaleGrace { get; set; } = TimeSpan.FromMinutes(30);
}

/// <summary>One account's compiled allow-list and its version.</summary>
public sealed record CachedAllowList(long Version, IReadOnlyList<string> Entries, IpAllowListMatcher Matcher, DateTimeOffset FetchedAt);

/// <summary>Why a list could not be had.</summary>
public sealed class AllowListUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// The allow-lists the gateway enforces, in three layers: an in-memory copy per replica (a few seconds),
/// Redis shared by the replicas (written by the <c>IpAllowListChanged</c> consumer, newest version wins), and
/// Identity (the source of truth, asked over gRPC when Redis has nothing). A change reaches every replica
/// through a Redis notification at once, and at the latest when the memory copy expires.
/// <para>
/// When neither Redis nor Identity answers, a replica keeps using its last copy for
/// <see cref="AllowListSettings.StaleGrace"/>; with no copy at all the request is refused (fail closed):
/// an account whose list cannot be known is not let through.
/// </para>
/// </summary>
internal sealed class AllowListCache(
    IConnectionMultiplexer redis,
    AccountAccess.AccountAccessClient identity,
    IOptions<AllowListSettings> settings,
    TimeProvider clock,
    ILogger<AllowListCache> logger)
{
    public const string KeyPrefix = "introserv:allow-list:";
    public const string ChangedChannel = "introserv:allow-list:changed";

    // Stores the list only when its version is newer than the stored one.
    private const string SetIfNewerScript = """
        local current = redis.call('HGET', KEYS[1], 'version')
        if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
        redis.call('HSET', KEYS[1], 'version', ARGV[1], 'entries', ARGV[2])
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        return 1
        """;

    private readonly ConcurrentDictionary<Guid, CachedAllowList> _memory = new();

    public static RedisKey Key(Guid accountId) => KeyPrefix + accountId.ToString("N");

    /// <summary>The account's list: from memory, Redis or Identity, in that order.</summary>
    public async Task<CachedAllowList> GetAsync(Guid accountId, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        _memory.TryGetValue(accountId, out var cached);
        if (cached is not null && now - cached.FetchedAt < settings.Value.MemoryTtl)
        {
            return cached;
        }

        try
        {
            var fresh = await LoadAsync(accountId, cancellationToken);
            _memory[accountId] = fresh;
            return fresh;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            if (cached is not null && now - cached.FetchedAt < settings.Value.StaleGrace)
            {
                logger.LogWarning(ex, "Allow-list of {AccountId} could not be refreshed; using the copy from {FetchedAt}", accountId, cached.FetchedAt);
                return cached;
            }

            throw new AllowListUnavailableException($"The IP allow-list of account {accountId} cannot be loaded.", ex);
        }
    }

    /// <summary>Drops the in-memory copy (a change was announced).</summary>
    public void Invalidate(Guid accountId) => _memory.TryRemove(accountId, out _);

    /// <summary>Stores a list in Redis when it is newer than the stored one and tells every replica.</summary>
    public async Task<bool> StoreAsync(Guid accountId, long version, IReadOnlyList<string> entries)
    {
        var database = redis.GetDatabase();
        var stored = (long)await database.ScriptEvaluateAsync(
            SetIfNewerScript,
            [Key(accountId)],
            [version, JsonSerializer.Serialize(entries), (long)settings.Value.RedisTtl.TotalMilliseconds]);
        if (stored == 1)
        {
            await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(ChangedChannel), accountId.ToString("N"));
        }

        Invalidate(accountId);
        return stored == 1;
    }

    private async Task<CachedAllowList> LoadAsync(Guid accountId, CancellationToken cancellationToken)
    {
        var database = redis.GetDatabase();
        var fields = await database.HashGetAsync(Key(accountId), ["version", "entries"]);
        if (!fields[0].IsNull && !fields[1].IsNull)
        {
            var entries = JsonSerializer.Deserialize<List<string>>(fields[1].ToString()) ?? [];
            return Compile((long)fields[0], entries);
        }

        var reply = await identity.GetIpAllowListAsync(
            new GetIpAllowListRequest { AccountId = accountId.ToString() },
            deadline: DateTime.UtcNow.AddSeconds(5),
            cancellationToken: cancellationToken);
        var list = reply.Entries.ToList();
        await StoreAsync(accountId, reply.Version, list);
        return Compile(reply.Version, list);
    }

    private CachedAllowList Compile(long version, IReadOnlyList<string> entries) =>
        new(version, entries, IpAllowListMatcher.FromEntries(entries), clock.GetUtcNow());
}
