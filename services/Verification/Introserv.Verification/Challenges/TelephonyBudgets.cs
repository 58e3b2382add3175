using System.Globalization;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Introserv.Verification.Challenges;

// Which budget refused a send, and until when.
public sealed record BudgetRefusal(string Scope, TimeSpan RetryAfter);

// The hourly budgets of texts and calls (TelephonyBudgetOptions), counted in Redis per clock hour. One Lua script
// checks the global and the country budget and takes one of each only when both have room, so racing requests on any
// number of replicas cannot send more than the budget, and a refused request uses none.
public sealed class TelephonyBudgets(
    IConnectionMultiplexer redis, IOptions<VerificationOptions> options, TimeProvider clock)
{
    public const string GlobalScope = "global";
    public const string CountryScope = "country";

    private const string TakeScript = """
        local global = tonumber(redis.call('GET', KEYS[1]) or '0')
        if global >= tonumber(ARGV[1]) then return 'global' end
        local country = tonumber(redis.call('GET', KEYS[2]) or '0')
        if country >= tonumber(ARGV[2]) then return 'country' end
        redis.call('INCR', KEYS[1])
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        redis.call('INCR', KEYS[2])
        redis.call('PEXPIRE', KEYS[2], ARGV[3])
        return 'ok'
        """;

    // Takes one text or call to region from this hour's budgets; null when there was room.
    public async Task<BudgetRefusal?> TryTakeAsync(string channel, string region)
    {
        ArgumentNullException.ThrowIfNull(region);
        var settings = options.Value.Budgets;
        var budget = settings.For(channel);
        var now = clock.GetUtcNow();
        var hourStart = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        var hourEnd = hourStart.AddHours(1);
        // One hash tag per channel and hour: both keys live in one slot, should Redis ever be a cluster.
        var tag =
            $"{{{settings.KeyPrefix}:{channel}:{hourStart.ToString("yyyyMMddHH", CultureInfo.InvariantCulture)}}}";
        var outcome = (string?)await redis.GetDatabase().ScriptEvaluateAsync(
            TakeScript,
            [(RedisKey)$"{tag}:global", (RedisKey)$"{tag}:country:{region.ToUpperInvariant()}"],
            [budget.GlobalPerHour, budget.PerHourTo(region),
                (long)(hourEnd - now + TimeSpan.FromMinutes(5)).TotalMilliseconds]);
        return outcome switch
        {
            "ok" => null,
            GlobalScope or CountryScope => new BudgetRefusal(outcome, hourEnd - now),
            _ => throw new InvalidOperationException($"Unexpected budget script outcome '{outcome}'."),
        };
    }
}
