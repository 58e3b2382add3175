using Introserv.Identity.Features.SignIn;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Introserv.Identity.Features.Security;

// Who is calling: the account and session of the access token.
public static class AccountContext
{
    public static Guid? SessionId(this ClaimsPrincipal user) =>
        Guid.TryParse(user.FindFirstValue(OidcEndpoints.SessionIdClaim), out var id) ? id : null;

    public static DateTimeOffset? AuthenticatedAt(this ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(Claims.AuthenticationTime), out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    // The scopes the token was issued for (its space-separated scope claim).
    public static IReadOnlyList<string> Scopes(this ClaimsPrincipal user) =>
    [
        .. user.FindAll(Claims.Scope)
            .SelectMany(c => c.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Distinct(StringComparer.Ordinal),
    ];

    // When the token expires.
    public static DateTimeOffset? ExpiresAt(this ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(Claims.ExpiresAt), out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    public static Task<Account?> FindAccountAsync(
        this IdentityServiceDbContext db, ClaimsPrincipal user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var id = user.AccountId();
        return db.Users.FirstOrDefaultAsync(a => a.Id == id, cancellationToken);
    }

    public static ProblemHttpResult AccountGone() =>
        IdentityProblems.AccountNotFound.Result("The account of this token no longer exists.");
}

// Writes the customer-readable audit trail (never a secret).
public static class Audit
{
    public static void Record(
        IdentityServiceDbContext db, Guid accountId, HttpContext context, TimeProvider clock, string action,
        string? detail, Guid? actor = null)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(clock);
        db.AuditEntries.Add(new AuditEntry
        {
            AccountId = accountId,
            At = clock.GetUtcNow(),
            Ip = context is null ? null : context.ClientAddressText(),
            Action = action,
            Detail = detail is { Length: > AuditEntry.DetailMaxLength } ? detail[..AuditEntry.DetailMaxLength] : detail,
            ActorAccountId = actor,
        });
    }
}
