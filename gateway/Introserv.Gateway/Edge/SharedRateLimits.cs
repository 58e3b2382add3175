using System.Globalization;
using System.Threading.RateLimiting;
using StackExchange.Redis;

namespace Introserv.Gateway.Edge;

// Rate limits that hold across the gateway's replicas: each limit is a fixed window counted in Redis (one key per
// partition and window, windows aligned to the clock so every replica counts the same one). A replica reserves
// permits in small batches (at most a twentieth of the limit, and never more than the limit leaves), so the
// replicas together admit at most PermitLimit per window, and most requests cost no Redis round trip.
// While Redis does not answer (within RedisTimeout; then it is skipped for RedisRetryAfter), each replica falls back
// to a window of its own with the same limit: a request never waits for a Redis that is down.
public sealed class SharedRateLimits(IConnectionMultiplexer redis, TimeProvider clock, ILogger<SharedRateLimits> logger)
{
    public const string KeyPrefixSetting = "RateLimits:KeyPrefix";

    // Reserves up to ARGV[1] permits of a window whose key lives ARGV[2] ms; answers the count after the reservation.
    private const string ReserveScript = """
        local total = redis.call('INCRBY', KEYS[1], ARGV[1])
        if total == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
        return total
        """;

    private long _skipRedisUntilTicks;

    public string KeyPrefix { get; init; } = "introserv:rl:";

    public TimeSpan RedisTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan RedisRetryAfter { get; init; } = TimeSpan.FromSeconds(5);

    public TimeProvider Clock => clock;

    public RateLimiter Create(string policy, string partition, RateLimitOptions settings) =>
        new SharedWindowLimiter(this, $"{KeyPrefix}{policy}:{partition}", settings);

    // The permits granted out of wanted in the window (0: the window is used up), or null when Redis could not be
    // asked.
    internal async Task<int?> ReserveAsync(string key, long window, int wanted, int limit, TimeSpan length)
    {
        if (clock.GetUtcNow().UtcTicks < Interlocked.Read(ref _skipRedisUntilTicks))
        {
            return null;
        }

        try
        {
            var ttl = (long)(length + TimeSpan.FromSeconds(5)).TotalMilliseconds;
            var total = (long)await redis.GetDatabase()
                .ScriptEvaluateAsync(
                    ReserveScript, [(RedisKey)$"{key}:{window.ToString(CultureInfo.InvariantCulture)}"],
                    [wanted, ttl])
                .WaitAsync(RedisTimeout, clock);
            var before = total - wanted;
            return (int)Math.Clamp(limit - before, 0, wanted);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
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

// One partition's limit (an account, an address) on this replica: the permits it reserved in the current window, or
// its own window while Redis is unavailable.
internal sealed class SharedWindowLimiter : RateLimiter
{
    private readonly SharedRateLimits _shared;
    private readonly string _key;
    private readonly int _limit;
    private readonly TimeSpan _length;
    private readonly int _batch;
    private readonly FixedWindowRateLimiter _fallback;
    private readonly Lock _gate = new();
    private long _window = long.MinValue;
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

    // Idle (and so dropped by the partitioned limiter after a while) only once the window it was last used in has
    // ended: a limiter used up in its window is kept, so its count (Redis's, or its own while Redis is down) holds.
    public override TimeSpan? IdleDuration
    {
        get
        {
            var lastUsed = Interlocked.Read(ref _lastUsedTicks);
            var windowEnd = (lastUsed / _length.Ticks + 1) * _length.Ticks;
            var now = _shared.Clock.GetUtcNow().UtcTicks;
            return now < windowEnd ? null : TimeSpan.FromTicks(now - windowEnd);
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
            var window = RollWindow();
            if (_reserved >= permitCount)
            {
                _reserved -= permitCount;
                return Lease.Granted;
            }

            return _usedUp ? Lease.Refused(RetryAfter(window)) : Lease.NotYet;
        }
    }

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(
        int permitCount, CancellationToken cancellationToken)
    {
        long window;
        lock (_gate)
        {
            window = RollWindow();
            if (_reserved >= permitCount)
            {
                _reserved -= permitCount;
                return Lease.Granted;
            }

            if (_usedUp)
            {
                return Lease.Refused(RetryAfter(window));
            }
        }

        var wanted = Math.Max(_batch, permitCount);
        var granted = await _shared.ReserveAsync(_key, window, wanted, _limit, _length);
        if (granted is null)
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
            if (RollWindow() != window)
            {
                // The window ended while Redis answered: what it granted belongs to the old one.
                return granted >= permitCount ? Lease.Granted : Lease.Refused(TimeSpan.FromSeconds(1));
            }

            _reserved += granted.Value;
            if (granted < wanted)
            {
                _usedUp = true;
            }

            if (_reserved >= permitCount)
            {
                _reserved -= permitCount;
                return Lease.Granted;
            }

            return Lease.Refused(RetryAfter(window));
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

    // The current window's index; a new window forgets what the last one reserved. Call under the lock.
    private long RollWindow()
    {
        var now = _shared.Clock.GetUtcNow();
        Interlocked.Exchange(ref _lastUsedTicks, now.UtcTicks);
        var window = now.UtcTicks / _length.Ticks;
        if (window != _window)
        {
            _window = window;
            _reserved = 0;
            _usedUp = false;
        }

        return window;
    }

    private TimeSpan RetryAfter(long window) =>
        new DateTimeOffset((window + 1) * _length.Ticks, TimeSpan.Zero) - _shared.Clock.GetUtcNow();

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
