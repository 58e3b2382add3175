using StackExchange.Redis;

namespace Introserv.Verification.Challenges;

// Fixed-window counters in Redis, shared by every replica: challenges per client address and per account, and
// messages per phone number.
public sealed class SendLimits(
    IConnectionMultiplexer redis, Microsoft.Extensions.Options.IOptions<VerificationOptions> options)
{
    private const string CountScript = """
        local n = redis.call('INCR', KEYS[1])
        if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
        local ttl = redis.call('PTTL', KEYS[1])
        if ttl < 0 then
          redis.call('PEXPIRE', KEYS[1], ARGV[1])
          ttl = tonumber(ARGV[1])
        end
        return {n, ttl}
        """;

    // Counts one more; null when within limit, otherwise how long until the window ends.
    public async Task<TimeSpan?> TryTakeAsync(string scope, string subject, int limit, TimeSpan window)
    {
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(
            CountScript,
            [(RedisKey)$"{options.Value.RateLimits.KeyPrefix}:{scope}:{subject}"],
            [(long)window.TotalMilliseconds]))!;
        var count = (long)result[0];
        return count <= limit ? null : TimeSpan.FromMilliseconds(Math.Max(1, (long)result[1]));
    }
}
