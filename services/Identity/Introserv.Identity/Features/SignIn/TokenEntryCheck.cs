using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Introserv.Identity.Features.SignIn;

// Identity's API refuses an access token whose token entry or session (OpenIddict authorization) is no longer valid,
// as OpenIddict's token and authorization entry validation would, but reads both statuses in one query and remembers
// the answer for Identity:EntryCacheLifetime. A session this replica revokes is refused at once (SessionRevocation
// clears the memory), and at the other replicas as its notice arrives (EntryChangeNotices); a revocation that sends
// no notice (OpenIddict's revocation endpoint or refresh-token reuse detection) within that lifetime. The other
// services validate tokens by signature alone until they expire.
public sealed class TokenEntryCache(
    IServiceScopeFactory scopes, TimeProvider clock, IOptions<IdentityServerOptions> options)
{
    private readonly RecentAnswers<(string? Token, string? Authorization), bool> _answers =
        new(clock, options.Value.EntryCacheLifetime);

    public async ValueTask<bool> IsValidAsync(string? tokenId, string? authorizationId, CancellationToken cancellation)
    {
        if (tokenId is null && authorizationId is null)
        {
            return true;
        }

        if (_answers.TryGet((tokenId, authorizationId), out var valid))
        {
            return valid;
        }

        var generation = _answers.Generation;
        valid = await ReadAsync(tokenId, authorizationId, cancellation);
        _answers.SetUnlessForgotten((tokenId, authorizationId), valid, generation);
        return valid;
    }

    // Forgets every answer: sessions were revoked here.
    public void Clear() => _answers.Clear();

    private async Task<bool> ReadAsync(string? tokenId, string? authorizationId, CancellationToken cancellation)
    {
        Guid? token = Guid.TryParse(tokenId, out var t) ? t : null;
        Guid? authorization = Guid.TryParse(authorizationId, out var a) ? a : null;
        if ((tokenId is not null && token is null) || (authorizationId is not null && authorization is null))
        {
            return false;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityServiceDbContext>();
        var row = (await db.Database.SqlQuery<EntryStatuses>($"""
            SELECT (SELECT "Status" FROM "OpenIddictTokens" WHERE "Id" = {token}) AS "Token",
                   (SELECT "Status" FROM "OpenIddictAuthorizations" WHERE "Id" = {authorization}) AS "Authorization"
            """).ToListAsync(cancellation)).Single();
        return (token is null || row.Token == Statuses.Valid)
            && (authorization is null || row.Authorization == Statuses.Valid);
    }

    private sealed record EntryStatuses(string? Token, string? Authorization);

    // The bearer scheme's last step (JwtBearerEvents.OnTokenValidated): a token whose entry or session is no longer
    // valid is refused (401).
    public static async Task RefuseUnlessValidAsync(TokenValidatedContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Principal is not { } principal)
        {
            return;
        }

        var cache = context.HttpContext.RequestServices.GetRequiredService<TokenEntryCache>();
        if (!await cache.IsValidAsync(
            principal.GetTokenId(), principal.GetAuthorizationId(), context.HttpContext.RequestAborted))
        {
            context.Fail("The token or its session is no longer valid.");
        }
    }
}
