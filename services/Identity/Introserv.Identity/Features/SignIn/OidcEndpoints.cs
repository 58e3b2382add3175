using System.Collections.Immutable;
using Introserv.AllowList;
using Introserv.Identity.Features.Security;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.Primitives;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Introserv.Identity.Features.SignIn;

// The pass-through handlers of the OpenIddict endpoints: OpenIddict validates the protocol (client, redirect
// URI, PKCE, tokens); these decide who is signed in, create the session and enforce the account's rules.
public static class OidcEndpoints
{
    // The session id claim (the OpenIddict authorization id) carried by every token of a session.
    public const string SessionIdClaim = "sid";

    public const string IpNotAllowedDescription = "ip_not_allowed";

    public static IEndpointRouteBuilder MapOidcEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var connect = endpoints.MapGroup("/connect").AllowAnonymous().ExcludeFromDescription();
        connect.MapMethods("/authorize", [HttpMethods.Get, HttpMethods.Post], AuthorizeAsync);
        connect.MapPost("/token", ExchangeAsync);
        connect.MapMethods("/logout", [HttpMethods.Get, HttpMethods.Post], LogoutAsync);
        connect.MapMethods("/userinfo", [HttpMethods.Get, HttpMethods.Post], UserInfoAsync);
        return endpoints;
    }

    private static async Task<IResult> AuthorizeAsync(
        HttpContext context,
        UserManager<Account> users,
        IOpenIddictApplicationManager applications,
        IOpenIddictAuthorizationManager authorizations,
        IdentityServiceDbContext db,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenID Connect request cannot be retrieved.");

        var login = await context.AuthenticateAsync(OidcServerExtensions.LoginScheme);
        var account = login.Succeeded
            ? await users.FindByIdAsync(login.Principal.FindFirstValue(Claims.Subject) ?? "")
            : null;
        var stale = account is null
            || account.SecurityStamp != login.Principal?.FindFirstValue(LoginPages.SecurityStampClaim)
            || request.HasPromptValue(PromptValues.Login)
            || (request.MaxAge is { } maxAge && login.Properties?.IssuedUtc is { } issued
                && clock.GetUtcNow() - issued > TimeSpan.FromSeconds(maxAge));
        if (stale || account is null)
        {
            if (request.HasPromptValue(PromptValues.None))
            {
                return Forbid(Errors.LoginRequired, "The user is not signed in.");
            }

            // Back to the sign-in page, then here again without prompt=login (or the loop would never end).
            await context.SignOutAsync(OidcServerExtensions.LoginScheme);
            var parameters =
                (context.Request.HasFormContentType ? context.Request.Form.ToList() : context.Request.Query.ToList())
                .Where(p => p.Key != Parameters.Prompt)
                .ToList();
            var prompt = string.Join(' ', request.GetPromptValues().Remove(PromptValues.Login));
            if (prompt.Length > 0)
            {
                parameters.Add(KeyValuePair.Create(Parameters.Prompt, new StringValues(prompt)));
            }

            return Results.Challenge(
                new AuthenticationProperties
                {
                    RedirectUri = context.Request.PathBase + context.Request.Path + QueryString.Create(parameters)
                },
                [OidcServerExtensions.LoginScheme]);
        }

        var address = context.ClientAddress();
        if (!IpAllowListMatcher.FromEntries(account.IpAllowList).Allows(address))
        {
            await context.SignOutAsync(OidcServerExtensions.LoginScheme);
            return Forbid(Errors.AccessDenied, IpNotAllowedDescription);
        }

        var application = await applications.FindByClientIdAsync(request.ClientId!, cancellationToken)
            ?? throw new InvalidOperationException("The client application cannot be found.");
        var identity = await BuildIdentityAsync(users, account, login.Principal!.Claims, request.GetScopes());
        var authorization = await authorizations.CreateAsync(
            identity: identity,
            subject: account.Id.ToString(),
            client: (await applications.GetIdAsync(application, cancellationToken))!,
            type: AuthorizationTypes.AdHoc,
            scopes: identity.GetScopes(),
            cancellationToken: cancellationToken);
        var sessionId = Guid.Parse((await authorizations.GetIdAsync(authorization, cancellationToken))!);
        identity.SetAuthorizationId(sessionId.ToString());
        identity.SetClaim(SessionIdClaim, sessionId.ToString());
        identity.SetDestinations(Destinations);

        var now = clock.GetUtcNow();
        var ip = context.ClientAddressText();
        db.Sessions.Add(new AccountSession
        {
            Id = sessionId,
            AccountId = account.Id,
            ClientId = request.ClientId!,
            CreatedAt = now,
            CreatedIp = ip,
            LastUsedAt = now,
            LastIp = ip,
            UserAgent = ClientAddress.UserAgentOf(context),
            AuthenticationMethods = string.Join(' ', identity.GetClaims(Claims.AuthenticationMethodReference)),
        });
        account.LastAccessIp = ip;
        account.LastAccessAt = now;
        await db.SaveChangesAsync(cancellationToken);

        return Results.SignIn(new ClaimsPrincipal(identity),
            authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> ExchangeAsync(
        HttpContext context,
        UserManager<Account> users,
        IdentityServiceDbContext db,
        LoginHistory history,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var request = context.GetOpenIddictServerRequest()
            ?? throw new InvalidOperationException("The OpenID Connect request cannot be retrieved.");
        if (request.IsClientCredentialsGrantType())
        {
            // OpenIddict has authenticated the confidential client; its token speaks for a service, not a person.
            var service = new ClaimsIdentity(
                TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
            service.SetClaim(Claims.Subject, request.ClientId)
                .SetClaim(Claims.Name, request.ClientId)
                .SetClaims(Claims.Role, [AuthenticationExtensions.ServiceRole]);
            service.SetResources(OidcServerExtensions.ApiResource);
            service.SetDestinations(_ => [OpenIddictConstants.Destinations.AccessToken]);
            return Results.SignIn(new ClaimsPrincipal(service),
                authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        }

        if (!request.IsAuthorizationCodeGrantType() && !request.IsRefreshTokenGrantType())
        {
            return Forbid(Errors.UnsupportedGrantType, "The grant type is not supported.");
        }

        var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        var principal = result.Principal;
        var account = principal is null ? null : await users.FindByIdAsync(principal.GetClaim(Claims.Subject) ?? "");
        var sessionId = Guid.TryParse(principal?.GetClaim(SessionIdClaim), out var sid) ? sid : Guid.Empty;
        var session = await db.Sessions.FirstOrDefaultAsync(s => s.Id == sessionId, cancellationToken);
        if (principal is null || account is null || session is null || session.RevokedAt is not null)
        {
            return Forbid(Errors.InvalidGrant, "The session is no longer valid.");
        }

        var ip = context.ClientAddressText();
        if (!IpAllowListMatcher.FromEntries(account.IpAllowList).Allows(context.ClientAddress()))
        {
            await history.RecordAsync(
                account.Id, account.UserName!, context, LoginOutcome.RefreshRefusedIpNotAllowed, cancellationToken);
            return Forbid(Errors.InvalidGrant, IpNotAllowedDescription);
        }

        var now = clock.GetUtcNow();
        session.LastUsedAt = now;
        session.LastIp = ip;
        account.LastAccessIp = ip;
        account.LastAccessAt = now;
        await db.SaveChangesAsync(cancellationToken);
        if (request.IsRefreshTokenGrantType())
        {
            await history.RecordAsync(
                account.Id, account.UserName!, context, LoginOutcome.TokenRefreshed, cancellationToken);
        }

        // Fresh account data (roles may have changed); the session's own claims (sid, auth_time, amr) stay.
        var identity = await BuildIdentityAsync(users, account, principal.Claims, principal.GetScopes());
        identity.SetAuthorizationId(principal.GetAuthorizationId());
        identity.SetClaim(SessionIdClaim, session.Id.ToString());
        identity.SetDestinations(Destinations);
        return Results.SignIn(new ClaimsPrincipal(identity),
            authenticationScheme: OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
    }

    private static async Task<IResult> LogoutAsync(
        HttpContext context,
        IOpenIddictAuthorizationManager authorizations,
        IOpenIddictTokenManager tokens,
        IdentityServiceDbContext db,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        // The id_token_hint names the session to end; without one only the browser sign-in ends.
        var hint = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        if (hint.Principal?.GetClaim(SessionIdClaim) is { } sid && Guid.TryParse(sid, out var sessionId))
        {
            await SessionRevocation.RevokeAsync(db, authorizations, tokens, clock,
                hint.Principal.GetClaim(Claims.Subject), [sessionId], cancellationToken);
        }

        await context.SignOutAsync(OidcServerExtensions.LoginScheme);
        await context.SignOutAsync(OidcServerExtensions.SecondFactorScheme);
        return Results.SignOut(
            new AuthenticationProperties { RedirectUri = LoginPages.SignedOutPath },
            [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
    }

    private static async Task<IResult> UserInfoAsync(HttpContext context, UserManager<Account> users)
    {
        var result = await context.AuthenticateAsync(OpenIddictServerAspNetCoreDefaults.AuthenticationScheme);
        var account = result.Principal is null
            ? null
            : await users.FindByIdAsync(result.Principal.GetClaim(Claims.Subject) ?? "");
        if (account is not null && !IpAllowListMatcher.FromEntries(account.IpAllowList).Allows(context.ClientAddress()))
        {
            return AllowListGuard.Refusal(context);
        }

        if (account is null)
        {
            return Results.Challenge(
                new AuthenticationProperties(new Dictionary<string, string?>
                {
                    [OpenIddictServerAspNetCoreConstants.Properties.Error] = Errors.InvalidToken,
                    [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = "The account no longer exists.",
                }),
                [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
        }

        var claims = new Dictionary<string, object>(StringComparer.Ordinal)
        {
            [Claims.Subject] = account.Id.ToString()
        };
        if (result.Principal!.HasScope(Scopes.Profile))
        {
            claims[Claims.Name] = account.UserName!;
            claims[Claims.PreferredUsername] = account.UserName!;
            claims[Claims.GivenName] = account.FirstName;
            claims[Claims.FamilyName] = account.LastName;
        }

        if (result.Principal!.HasScope(Scopes.Email))
        {
            claims[Claims.Email] = account.Email!;
            claims[Claims.EmailVerified] = account.EmailConfirmed;
        }

        return Results.Ok(claims);
    }

    private static async Task<ClaimsIdentity> BuildIdentityAsync(
        UserManager<Account> users, Account account, IEnumerable<Claim> sessionClaims, ImmutableArray<string> scopes)
    {
        var identity = new ClaimsIdentity(
            TokenValidationParameters.DefaultAuthenticationType, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, account.Id.ToString())
            .SetClaim(Claims.Name, account.UserName)
            .SetClaim(Claims.PreferredUsername, account.UserName)
            .SetClaim(Claims.Email, account.Email)
            .SetClaims(Claims.Role, [.. await users.GetRolesAsync(account)]);
        foreach (var claim in sessionClaims.Where(
            c => c.Type is Claims.AuthenticationTime or Claims.AuthenticationMethodReference))
        {
            identity.AddClaim(new Claim(claim.Type, claim.Value, claim.ValueType));
        }

        identity.SetScopes(scopes);
        identity.SetResources(OidcServerExtensions.ApiResource);
        return identity;
    }

    private static IEnumerable<string> Destinations(Claim claim)
    {
        switch (claim.Type)
        {
            case Claims.Name or Claims.PreferredUsername:
                yield return OpenIddictConstants.Destinations.AccessToken;
                if (claim.Subject?.HasScope(Scopes.Profile) == true)
                {
                    yield return OpenIddictConstants.Destinations.IdentityToken;
                }

                yield break;
            case Claims.Email:
                yield return OpenIddictConstants.Destinations.AccessToken;
                if (claim.Subject?.HasScope(Scopes.Email) == true)
                {
                    yield return OpenIddictConstants.Destinations.IdentityToken;
                }

                yield break;
            case Claims.Role:
                yield return OpenIddictConstants.Destinations.AccessToken;
                if (claim.Subject?.HasScope(Scopes.Roles) == true)
                {
                    yield return OpenIddictConstants.Destinations.IdentityToken;
                }

                yield break;
            case SessionIdClaim or Claims.AuthenticationTime or Claims.AuthenticationMethodReference:
                yield return OpenIddictConstants.Destinations.AccessToken;
                yield return OpenIddictConstants.Destinations.IdentityToken;
                yield break;
            case LoginPages.SecurityStampClaim:
                yield break;
            default:
                yield return OpenIddictConstants.Destinations.AccessToken;
                yield break;
        }
    }

    private static IResult Forbid(string error, string description) => Results.Forbid(
        new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }),
        [OpenIddictServerAspNetCoreDefaults.AuthenticationScheme]);
}

// Ends sessions: the OpenIddict authorization, its tokens, and the session row.
public static class SessionRevocation
{
    public static async Task<int> RevokeAsync(
        IdentityServiceDbContext db,
        IOpenIddictAuthorizationManager authorizations,
        IOpenIddictTokenManager tokens,
        TimeProvider clock,
        string? subject,
        IReadOnlyCollection<Guid> sessionIds,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(authorizations);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(clock);
        if (!Guid.TryParse(subject, out var accountId) || sessionIds.Count == 0)
        {
            return 0;
        }

        var sessions = await db.Sessions
            .Where(s => s.AccountId == accountId && sessionIds.Contains(s.Id) && s.RevokedAt == null)
            .ToListAsync(cancellationToken);
        foreach (var session in sessions)
        {
            var id = session.Id.ToString();
            if (await authorizations.FindByIdAsync(id, cancellationToken) is { } authorization)
            {
                await authorizations.TryRevokeAsync(authorization, cancellationToken);
            }

            await tokens.RevokeByAuthorizationIdAsync(id, cancellationToken);
            session.RevokedAt = clock.GetUtcNow();
        }

        await db.SaveChangesAsync(cancellationToken);
        if (sessions.Count > 0)
        {
            // This replica refuses the revoked sessions' access tokens from now on (see TokenEntryCache), and every
            // other replica once the notice arrives. Sent after the save: a notice that arrived before the revocation
            // was stored would let another replica read, and remember, the session as still valid. In the caller's
            // transaction it is delivered at commit.
            db.GetService<TokenEntryCache>().Clear();
            await EntryChangeNotices.SendAsync(db.Database, EntryChangeNotices.Sessions, cancellationToken);
        }

        return sessions.Count;
    }
}
