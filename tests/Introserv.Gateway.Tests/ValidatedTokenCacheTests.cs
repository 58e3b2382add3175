using System.Security.Claims;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Introserv.Gateway.Tests;

public sealed class ValidatedTokenCacheTests
{
    private static readonly SymmetricSecurityKey Key =
        new(Encoding.UTF8.GetBytes($"unit-test-signing-key-{Guid.NewGuid():N}"));

    private static readonly TokenValidationParameters Parameters = new()
    {
        ValidIssuer = "http://identity.test/",
        ValidAudience = "introserv-api",
        IssuerSigningKey = Key,
        ClockSkew = TimeSpan.Zero,
        NameClaimType = "sub",
        RoleClaimType = "role",
    };

    private static string Token(DateTime expires, SecurityKey? key = null) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "http://identity.test/",
            Audience = "introserv-api",
            Subject = new ClaimsIdentity([new Claim("sub", "account-1"), new Claim("role", "customer")]),
            NotBefore = DateTime.UtcNow.AddMinutes(-1),
            Expires = expires,
            SigningCredentials = new SigningCredentials(key ?? Key, SecurityAlgorithms.HmacSha256),
        });

    [Fact]
    public async Task A_valid_token_is_remembered_and_each_request_gets_its_own_claims()
    {
        var cache = new ValidatedTokenCache(TimeProvider.System);
        var token = Token(DateTime.UtcNow.AddMinutes(10));

        var first = await cache.ValidateTokenAsync(token, Parameters);
        var second = await cache.ValidateTokenAsync(token, Parameters);
        second.ClaimsIdentity.AddClaim(new Claim("role", "staff"));
        var third = await cache.ValidateTokenAsync(token, Parameters);

        Assert.True(first.IsValid);
        Assert.True(second.IsValid);
        Assert.Equal(1, cache.Count);
        Assert.Equal("account-1", third.ClaimsIdentity.Name);
        Assert.Equal(["customer"], third.ClaimsIdentity.FindAll("role").Select(c => c.Value));
        Assert.NotSame(second.ClaimsIdentity, third.ClaimsIdentity);
    }

    [Fact]
    public async Task A_token_that_fails_is_never_remembered()
    {
        var cache = new ValidatedTokenCache(TimeProvider.System);
        var forged = Token(DateTime.UtcNow.AddMinutes(10),
            new SymmetricSecurityKey(Encoding.UTF8.GetBytes($"another-signing-key-{Guid.NewGuid():N}")));

        var first = await cache.ValidateTokenAsync(forged, Parameters);
        var second = await cache.ValidateTokenAsync(forged, Parameters);

        Assert.False(first.IsValid);
        Assert.False(second.IsValid);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task A_remembered_token_is_refused_once_it_expires()
    {
        var clock = new ShiftedTimeProvider();
        var cache = new ValidatedTokenCache(clock);
        // The expiry is kept in whole seconds: the token lives four to five seconds, time enough for the first
        // (uncached, so slower) validation on a loaded machine.
        var token = Token(DateTime.UtcNow.AddSeconds(5));

        var fresh = await cache.ValidateTokenAsync(token, Parameters);
        clock.Advance(TimeSpan.FromMinutes(1)); // the cache's clock says it expired
        await Task.Delay(TimeSpan.FromSeconds(5.5)); // and so does the full validation's
        var expired = await cache.ValidateTokenAsync(token, Parameters);

        Assert.True(fresh.IsValid);
        Assert.False(expired.IsValid);
        Assert.IsType<SecurityTokenExpiredException>(expired.Exception);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public async Task The_cache_is_bounded()
    {
        var cache = new ValidatedTokenCache(TimeProvider.System, maxEntries: 3);

        foreach (var minutes in Enumerable.Range(5, 7))
        {
            Assert.True(
                (await cache.ValidateTokenAsync(Token(DateTime.UtcNow.AddMinutes(minutes)), Parameters)).IsValid);
        }

        Assert.InRange(cache.Count, 1, 3);
    }
}
