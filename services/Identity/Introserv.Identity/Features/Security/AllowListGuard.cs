using Introserv.AllowList;

namespace Introserv.Identity.Features.Security;

// Identity enforces the account's IP allow-list itself on everything that reads or changes account data with
// an access token (the security API, userinfo), as the gateway does: a caller that reaches Identity some other
// way gets no further than through the gateway.
public static class AllowListGuard
{
    // Whether the caller's address is in the allow-list of the token's account (true for an unknown account).
    public static async Task<bool> AllowsCallerAsync(
        this IdentityServiceDbContext db, Guid accountId, HttpContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var entries = await db.Users.AsNoTracking()
            .Where(a => a.Id == accountId)
            .Select(a => a.IpAllowList)
            .FirstOrDefaultAsync(cancellationToken);
        return entries is null
            || entries.Count == 0
            || IpAllowListMatcher.FromEntries(entries).Allows(context.ClientAddress());
    }

    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Refusal(HttpContext context) =>
        IdentityProblems.IpNotAllowed.Result(
            $"This account's IP allow-list does not include your address {context.ClientAddressText()}.",
            new Dictionary<string, object?> { ["callerAddress"] = context.ClientAddressText() });

    // The endpoint filter of the account security group.
    public static RouteGroupBuilder RequireAllowedAddress(this RouteGroupBuilder group)
    {
        ArgumentNullException.ThrowIfNull(group);
        group.AddEndpointFilter(async (invocation, next) =>
        {
            var context = invocation.HttpContext;
            if (Guid.TryParse(
                context.User.FindFirstValue(OpenIddict.Abstractions.OpenIddictConstants.Claims.Subject),
                out var accountId))
            {
                var db = context.RequestServices.GetRequiredService<IdentityServiceDbContext>();
                if (!await db.AllowsCallerAsync(accountId, context, context.RequestAborted))
                {
                    return Refusal(context);
                }
            }

            return await next(invocation);
        });
        return group;
    }
}
