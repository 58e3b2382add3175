using System.Globalization;
using StackExchange.Redis;

namespace Introserv.Verification.Challenges;

// Challenges in Redis, one hash each. Every check-and-change (a code attempt, a resend) is one Lua script, so
// concurrent requests cannot both spend the last attempt or both pass the resend cooldown.
public sealed class ChallengeStore(IConnectionMultiplexer redis)
{
    // How long a finished or expired challenge stays readable (to answer "expired", not "not found").
    public static readonly TimeSpan Retention = TimeSpan.FromHours(1);

    private const string ConfirmScript = """
        local f = redis.call('HMGET', KEYS[1], 'accountId', 'status', 'expiresAt', 'attempts', 'maxAttempts', 'codeHash')
        if not f[1] or f[1] ~= ARGV[1] then return {'not_found', 0} end
        local attempts = tonumber(f[4])
        local max = tonumber(f[5])
        if f[2] == 'confirmed' then return {'already_used', 0} end
        if f[2] == 'locked' then return {'too_many_attempts', 0} end
        if tonumber(ARGV[3]) >= tonumber(f[3]) then return {'expired', max - attempts} end
        if f[6] == ARGV[2] then
          redis.call('HSET', KEYS[1], 'status', 'confirmed')
          return {'confirmed', max - attempts}
        end
        attempts = attempts + 1
        if attempts >= max then
          redis.call('HSET', KEYS[1], 'attempts', attempts, 'status', 'locked')
          return {'locked', 0}
        end
        redis.call('HSET', KEYS[1], 'attempts', attempts)
        return {'invalid_code', max - attempts}
        """;

    private const string ReserveSendScript = """
        local f = redis.call('HMGET', KEYS[1], 'accountId', 'status', 'sends', 'lastSentAt')
        if not f[1] or f[1] ~= ARGV[1] then return {'not_found', 0} end
        if f[2] == 'confirmed' then return {'already_used', 0} end
        if f[2] == 'locked' then return {'too_many_attempts', 0} end
        local wait = tonumber(f[4]) + tonumber(ARGV[3]) - tonumber(ARGV[2])
        if wait > 0 then return {'too_soon', wait} end
        if tonumber(f[3]) >= tonumber(ARGV[4]) then return {'max_sends', 0} end
        redis.call('HSET', KEYS[1], 'sends', tonumber(f[3]) + 1, 'lastSentAt', ARGV[2], 'codeHash', ARGV[5], 'expiresAt', ARGV[6], 'delivered', '0')
        redis.call('PEXPIRE', KEYS[1], ARGV[7])
        return {'ok', 0}
        """;

    private IDatabase Db => redis.GetDatabase();

    public static RedisKey KeyOf(Guid id) => $"verification:challenge:{id:N}";

    public async Task CreateAsync(Challenge challenge, string codeHash, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(challenge);
        var key = KeyOf(challenge.Id);
        var transaction = Db.CreateTransaction();
        _ = transaction.HashSetAsync(key,
        [
            new("accountId", challenge.AccountId.ToString("D")),
            new("purpose", challenge.Purpose),
            new("operation", challenge.Operation ?? string.Empty),
            new("phone", challenge.Phone),
            new("channel", challenge.Channel),
            new("delivery", challenge.Delivery),
            new("status", challenge.Status),
            new("attempts", challenge.Attempts),
            new("maxAttempts", challenge.MaxAttempts),
            new("sends", challenge.Sends),
            new("createdAt", challenge.CreatedAt.ToUnixTimeMilliseconds()),
            new("expiresAt", challenge.ExpiresAt.ToUnixTimeMilliseconds()),
            new("lastSentAt", challenge.LastSentAt.ToUnixTimeMilliseconds()),
            new("delivered", "0"),
            new("gatewayRole", string.Empty),
            new("codeHash", codeHash),
        ]);
        _ = transaction.KeyExpireAsync(key, TimeToKeep(challenge.ExpiresAt, now));
        if (!await transaction.ExecuteAsync())
        {
            throw new InvalidOperationException("The challenge could not be stored.");
        }
    }

    public async Task<Challenge?> GetAsync(Guid id)
    {
        var fields = (await Db.HashGetAllAsync(KeyOf(id))).ToDictionary(
            e => e.Name.ToString(), e => e.Value.ToString(), StringComparer.Ordinal);
        if (fields.Count == 0 || !Guid.TryParse(fields.GetValueOrDefault("accountId"), out var accountId))
        {
            return null;
        }

        return new Challenge(
            id,
            accountId,
            fields["purpose"],
            fields["operation"] is { Length: > 0 } operation ? operation : null,
            fields["phone"],
            fields["channel"],
            fields["delivery"],
            fields["status"],
            Int(fields["attempts"]),
            Int(fields["maxAttempts"]),
            Int(fields["sends"]),
            Time(fields["createdAt"]),
            Time(fields["expiresAt"]),
            Time(fields["lastSentAt"]),
            fields["delivered"] == "1",
            fields["gatewayRole"] is { Length: > 0 } role ? role : null);
    }

    // Checks a code hash and spends an attempt when it is wrong; returns the outcome and the attempts left.
    public async Task<(string Outcome, int AttemptsRemaining)> ConfirmAsync(
        Guid id, Guid accountId, string codeHash, DateTimeOffset now)
    {
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(
            ConfirmScript,
            [KeyOf(id)],
            [accountId.ToString("D"), codeHash, now.ToUnixTimeMilliseconds()]))!;
        return (result[0].ToString(), (int)result[1]);
    }

    // Undoes a confirmation whose consequences could not be saved, so the customer can try again.
    public Task ReopenAsync(Guid id) => Db.HashSetAsync(KeyOf(id), "status", ChallengeStatuses.Pending);

    // Claims a resend: passes the cooldown and the send limit, and replaces the code, atomically. The outcome is ok,
    // too_soon (with the wait), max_sends, already_used, too_many_attempts or not_found.
    public async Task<(string Outcome, TimeSpan Wait)> ReserveSendAsync(
        Guid id, Guid accountId, DateTimeOffset now, TimeSpan cooldown, int maxSends, string codeHash,
        DateTimeOffset expiresAt)
    {
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(
            ReserveSendScript,
            [KeyOf(id)],
            [
                accountId.ToString("D"),
                now.ToUnixTimeMilliseconds(),
                (long)cooldown.TotalMilliseconds,
                maxSends,
                codeHash,
                expiresAt.ToUnixTimeMilliseconds(),
                (long)TimeToKeep(expiresAt, now).TotalMilliseconds,
            ]))!;
        return (result[0].ToString(), TimeSpan.FromMilliseconds((long)result[1]));
    }

    public Task RecordDeliveryAsync(Guid id, bool delivered, string? gatewayRole) =>
        Db.HashSetAsync(
            KeyOf(id), [new("delivered", delivered ? "1" : "0"), new("gatewayRole", gatewayRole ?? string.Empty)]);

    private static TimeSpan TimeToKeep(DateTimeOffset expiresAt, DateTimeOffset now) =>
        (expiresAt > now ? expiresAt - now : TimeSpan.Zero) + Retention;

    private static int Int(string value) => int.Parse(value, CultureInfo.InvariantCulture);

    private static DateTimeOffset Time(string value) =>
        DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(value, CultureInfo.InvariantCulture));
}
