using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.WebUtilities;
using StackExchange.Redis;

namespace Introserv.Verification.Challenges;

// The proof a confirmed step-up (or sign-in) challenge yields: 256 random bits, handed to the customer once,
// kept in Redis only as a SHA-256 hash, bound to one account and one operation, and spent by the first check.
public sealed class StepUpTokens(IConnectionMultiplexer redis, TimeProvider clock)
{
    public const string UnknownOrUsed = "unknown_or_used";
    public const string Expired = "expired";
    public const string OtherAccount = "other_account";
    public const string OtherOperation = "other_operation";

    private sealed record Grant(Guid AccountId, string Operation, Guid ChallengeId, DateTimeOffset ExpiresAt);

    public async Task<(string Token, DateTimeOffset ExpiresAt)> IssueAsync(
        Guid accountId, string operation, Guid challengeId, TimeSpan lifetime)
    {
        var token = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var expiresAt = clock.GetUtcNow() + lifetime;
        var grant = JsonSerializer.Serialize(new Grant(accountId, operation, challengeId, expiresAt));
        await redis.GetDatabase().StringSetAsync(KeyOf(token), grant, lifetime);
        return (token, expiresAt);
    }

    // Spends the token whatever the answer (a token shown to the wrong check is burnt); null when valid.
    public async Task<string?> ConsumeAsync(Guid accountId, string operation, string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 100)
        {
            return UnknownOrUsed;
        }

        var stored = await redis.GetDatabase().StringGetDeleteAsync(KeyOf(token));
        if (stored.IsNullOrEmpty || JsonSerializer.Deserialize<Grant>(stored.ToString()) is not { } grant)
        {
            return UnknownOrUsed;
        }

        if (clock.GetUtcNow() >= grant.ExpiresAt)
        {
            return Expired;
        }

        if (grant.AccountId != accountId)
        {
            return OtherAccount;
        }

        return string.Equals(grant.Operation, operation, StringComparison.Ordinal) ? null : OtherOperation;
    }

    private static RedisKey KeyOf(string token) =>
        $"verification:step-up:{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)))}";
}
