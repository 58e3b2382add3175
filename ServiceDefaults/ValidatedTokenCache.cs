using System.Collections.Concurrent;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Introserv.ServiceDefaults;

/// <summary>
/// A JSON web token handler that remembers the access tokens it has validated, until each one expires: a front
/// end sends the same token with every request for its lifetime (minutes), and checking its signature each time is
/// most of what authentication costs. A remembered token is accepted only while it is still within its lifetime
/// (its <c>exp</c> plus the configured clock skew, as lifetime validation allows); a token that failed is never
/// remembered, so it is checked in full every time. Each request gets its own copy of the claims.
/// Safe because access tokens are not revocable before they expire anyway (they are self-contained), and the
/// validation parameters (issuer, audience, keys) of a service do not vary between requests.
/// </summary>
public sealed class ValidatedTokenCache(TimeProvider clock, int maxEntries = ValidatedTokenCache.DefaultMaxEntries)
    : JsonWebTokenHandler
{
    public const int DefaultMaxEntries = 20_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public int Count => _entries.Count;

    public override async Task<TokenValidationResult> ValidateTokenAsync(
        string token, TokenValidationParameters validationParameters)
    {
        ArgumentNullException.ThrowIfNull(validationParameters);
        var now = clock.GetUtcNow().UtcDateTime;
        if (token is not null && _entries.TryGetValue(token, out var known))
        {
            if (now < known.AcceptUntil)
            {
                return new TokenValidationResult
                {
                    IsValid = true,
                    ClaimsIdentity = known.Identity.Clone(),
                    SecurityToken = known.Token,
                    Issuer = known.Issuer,
                    TokenType = known.TokenType,
                };
            }

            _entries.TryRemove(token, out _);
        }

        var result = await base.ValidateTokenAsync(token, validationParameters);
        if (result.IsValid
            && token is not null
            && result.SecurityToken is { } securityToken
            && result.ClaimsIdentity is { } identity
            && securityToken.ValidTo > DateTime.MinValue)
        {
            if (_entries.Count >= maxEntries)
            {
                // Bounded memory: start afresh (each token is validated again once).
                _entries.Clear();
            }

            var acceptUntil = securityToken.ValidTo
                + (validationParameters.ValidateLifetime ? validationParameters.ClockSkew : TimeSpan.Zero);
            _entries[token] = new Entry(identity.Clone(), securityToken, result.Issuer, result.TokenType, acceptUntil);
        }

        return result;
    }

    private sealed record Entry(
        ClaimsIdentity Identity, SecurityToken Token, string? Issuer, string? TokenType, DateTime AcceptUntil);
}
