using System.Threading.RateLimiting;
using StackExchange.Redis;

namespace Introserv.Gateway.Edge;

// What Redis answered a reservation: the permits granted (0: the window is used up) and when the window ends.
internal readonly record struct Reservation(int Granted, DateTimeOffset WindowEnds);

// Rate limits that hold across the gateway's replicas: each limit is a fixed window counted in Redis, one key per
// partition (an account, an address) that lives for the window, so the window starts with the partition's first
// request at any replica and every replica counts in it. A replica reserves permits in small batches (at most a
// twentieth of the limit, and never more than the limit leaves), so the replicas together admit at most PermitLimit
// per window, and most requests cost no Redis round trip. While Redis does not answer (within RedisTimeout; then it is
// skipped for RedisRetryAfter), each replica falls back to a window of its own with the same limit: a request never
// waits for a Redis that is down.
public sealed class SharedRateLimits(IConnectionMultiplexer redis, TimeProvider clock, ILogger<SharedRateLimits> logger)
{
    public const string KeyPrefixSetting = "RateLimits:KeyPrefix";
    public const string RedisTimeoutSetting = "RateLimits:RedisTimeout";
    public const string RedisRetryAfterSetting = "RateLimits:RedisRetryAfter";

    public static readonly TimeSpan DefaultRedisTimeout = TimeSpan.FromMilliseconds(250);
    public static readonly TimeSpan DefaultRedisRetryAfter = TimeSpan.FromSeconds(5);

    // Reserves ARGV[1] permits in the window KEYS[1] counts (a new key lives ARGV[2] ms: the window); answers the
    // count after the reservation and the milliseconds the window has left.
    private const string ReserveScript = """
        local total = redis.call('INCRBY', KEYS[1], ARGV[1])
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl < 0 then
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            ttl = tonumber(ARGV[2])
        end
        return {total, ttl}
        """;

    private long _skipRedisUntilTicks;

    public string KeyPrefix { get; init; } = "introserv:rl:";

    public TimeSpan RedisTimeout { get; init; } = DefaultRedisTimeout;

    public TimeSpan RedisRetryAfter { get; init; } = DefaultRedisRetryAfter;

    public TimeProvider Clock => clock;

    // Loads the reservation script into Redis so the replica's first reservations run it by hash.
    internal async Task LoadScriptAsync(CancellationToken cancellationToken)
    {
        foreach (var server in redis.GetServers().Where(s => s.IsConnected && !s.IsReplica))
        {
            await server.ScriptLoadAsync(ReserveScript).WaitAsync(cancellationToken);
        }
    }

    public RateLimiter Create(string policy, string partition, RateLimitOptions settings) =>
        new SharedWindowLimiter(this, $"{KeyPrefix}{policy}:{partition}", settings);

    // Up to wanted permits of the partition's current window, or null when Redis could not be asked.
    internal async Task<Reservation?> ReserveAsync(string key, int wanted, int limit, TimeSpan length)
    {
        if (clock.GetUtcNow().UtcTicks < Interlocked.Read(ref _skipRedisUntilTicks))
        {
            return null;
        }

        try
        {
            var answer = (RedisResult[])(await redis.GetDatabase()
                .ScriptEvaluateAsync(ReserveScript, [(RedisKey)key], [wanted, (long)length.TotalMilliseconds])
                .WaitAsync(RedisTimeout, clock))!;
            var before = (long)answer[0] - wanted;
            var left = TimeSpan.FromMilliseconds(Math.Max(1, (long)answer[1]));
            return new Reservation((int)Math.Clamp(limit - before, 0, wanted), clock.GetUtcNow() + left);
        }
        // Whatever went wrong (a connection dropped mid-script can also leave an answer of another shape), the replica
        // counts alone: a rate limit never fails a request.
        catch (Exception ex)
        {
            var until = clock.GetUtcNow() + RedisRetryAfter;
            Interlocked.Exchange(ref _skipRedisUntilTicks, until.UtcTicks);
            logger.LogWarning(
                "Redis did not answer a rate-limit reservation ({Error}); each replica counts alone until {Until}",
                ex.Message, until);
            return null;
        }
    }
}

// One partition's limit on this replica: the permits it reserved in the partition's current window (which ends when
// Redis said), or its own window while Redis is unavailable.
internal sealed class SharedWindowLimiter : RateLimiter
{
    private readonly SharedRateLimits _shared;
    private readonly string _key;
    private readonly int _limit;
    private readonly TimeSpan _length;
    private readonly int _batch;
    private readonly FixedWindowRateLimiter _fallback;
    private readonly Lock _gate = new();
    private DateTimeOffset _windowEnds = DateTimeOffset.MinValue;
    private int _reserved;
    private bool _usedUp;
    private long _lastUsedTicks;

    public SharedWindowLimiter(SharedRateLimits shared, string key, RateLimitOptions settings)
    {
        _shared = shared;
        _key = key;
        _limit = settings.PermitLimit;
        _length = settings.Window;
        _batch = Math.Clamp(settings.PermitLimit / 20, 1, 20);
        _fallback = new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
        {
            PermitLimit = settings.PermitLimit, Window = settings.Window, QueueLimit = 0, AutoReplenishment = true,
        });
        _lastUsedTicks = shared.Clock.GetUtcNow().UtcTicks;
    }

    // Idle (and so dropped by the partitioned limiter after a while) only a whole window after its last use: a
    // limiter used up in its window is kept, so its count (Redis's, or its own while Redis is down) holds.
    public override TimeSpan? IdleDuration
    {
        get
        {
            var idle = _shared.Clock.GetUtcNow().UtcTicks - Interlocked.Read(ref _lastUsedTicks) - _length.Ticks;
            return idle < 0 ? null : TimeSpan.FromTicks(idle);
        }
    }

    public override RateLimiterStatistics? GetStatistics()
    {
        lock (_gate)
        {
            return new RateLimiterStatistics { CurrentAvailablePermits = _reserved };
        }
    }

    // Without Redis: a permit this replica reserved earlier in the window, or a refusal once the window is used up;
    // otherwise not acquired, and the middleware asks AcquireAsync, which reserves more.
    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        lock (_gate)
        {
            var now = Touch();
            if (_reserved >= permitCount)
            {
                _reserved -= permitCount;
                return Lease.Granted;
            }

            return _usedUp ? Lease.Refused(_windowEnds - now) : Lease.NotYet;
        }
    }

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(
        int permitCount, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = Touch();
            if (_reserved >= permitCount)
            {
                _reserved -= permitCount;
                return Lease.Granted;
            }

            if (_usedUp)
            {
                return Lease.Refused(_windowEnds - now);
            }
        }

        var wanted = Math.Max(_batch, permitCount);
        var reservation = await _shared.ReserveAsync(_key, wanted, _limit, _length);
        if (reservation is not { } reserved)
        {
            try
            {
                return _fallback.AttemptAcquire(permitCount);
            }
            catch (ObjectDisposedException)
            {
                // Dropped as idle while this request held it: a request is never refused for that.
                return Lease.Granted;
            }
        }

        lock (_gate)
        {
            // Touch has already forgotten an ended window's permits; Redis's answer says when this one ends.
            var now = Touch();
            _windowEnds = reserved.WindowEnds;
            _reserved += reserved.Granted;
            if (reserved.Granted < wanted)
            {
                _usedUp = true;
            }

            if (_reserved >= permitCount)
            {
                _reserved -= permitCount;
                return Lease.Granted;
            }

            return Lease.Refused(_windowEnds - now);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _fallback.Dispose();
        }

        base.Dispose(disposing);
    }

    // The partitioned limiter drops idle limiters with DisposeAsync: the fallback's replenishing timer goes too.
    protected override async ValueTask DisposeAsyncCore()
    {
        await _fallback.DisposeAsync();
        await base.DisposeAsyncCore();
    }

    // Records a use; a window that has ended forgets what it reserved. Call under the lock.
    private DateTimeOffset Touch()
    {
        var now = _shared.Clock.GetUtcNow();
        Interlocked.Exchange(ref _lastUsedTicks, now.UtcTicks);
        if (now >= _windowEnds)
        {
            _reserved = 0;
            _usedUp = false;
        }

        return now;
    }

    private sealed class Lease(bool acquired, TimeSpan? retryAfter) : RateLimitLease
    {
        public static readonly Lease Granted = new(true, null);

        public static readonly Lease NotYet = new(false, null);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames =>
            retryAfter is null ? [] : [MetadataName.RetryAfter.Name];

        public static Lease Refused(TimeSpan retryAfter) => new(false, retryAfter);

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (retryAfter is { } after && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = after;
                return true;
            }

            metadata = null;
            return false;
        }
    }
}
