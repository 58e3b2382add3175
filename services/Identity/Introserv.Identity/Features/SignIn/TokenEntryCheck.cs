using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Validation;
using static OpenIddict.Abstractions.OpenIddictConstants;
using static OpenIddict.Validation.OpenIddictValidationEvents;

namespace Introserv.Identity.Features.SignIn;

// Identity's API refuses an access token whose token entry or session (OpenIddict authorization) is no longer valid,
// as OpenIddict's token and authorization entry validation do, but reads both statuses in one query and remembers the
// answer for Identity:EntryCacheLifetime. A session this replica revokes is refused at once (SessionRevocation
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

    // The validation handler that asks the cache, in the place of OpenIddict's entry validation.
    public sealed class Handler(TokenEntryCache cache) : IOpenIddictValidationHandler<ValidateTokenContext>
    {
        public static OpenIddictValidationHandlerDescriptor Descriptor { get; } =
            OpenIddictValidationHandlerDescriptor.CreateBuilder<ValidateTokenContext>()
                .UseSingletonHandler<Handler>()
                .SetOrder(OpenIddictValidationHandlers.Protection.ValidateAuthorizationEntry.Descriptor.Order)
                .SetType(OpenIddictValidationHandlerType.Custom)
                .Build();

        public async ValueTask HandleAsync(ValidateTokenContext context)
        {
            ArgumentNullException.ThrowIfNull(context);
            if (context.Principal is not { } principal)
            {
                return;
            }

            if (!await cache.IsValidAsync(
                principal.GetTokenId(), principal.GetAuthorizationId(), context.CancellationToken))
            {
                context.Reject(
                    error: Errors.InvalidToken,
                    description: "The token or its session is no longer valid.");
            }
        }
    }
}
