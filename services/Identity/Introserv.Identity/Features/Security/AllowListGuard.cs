using Introserv.AllowList;
using Introserv.Identity.Features.SignIn;
using Microsoft.Extensions.Options;

namespace Introserv.Identity.Features.Security;

// Identity enforces the account's IP allow-list itself on everything that reads or changes account data with
// an access token (the security API, userinfo), as the gateway does: a caller that reaches Identity some other
// way gets no further than through the gateway.
public static class AllowListGuard
{
    // Whether the caller's address is in the allow-list of the token's account (true for an unknown account).
    public static async Task<bool> AllowsCallerAsync(
        this AccountAllowLists lists, Guid accountId, HttpContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lists);
        ArgumentNullException.ThrowIfNull(context);
        var matcher = await lists.GetAsync(accountId, cancellationToken);
        return matcher is null || matcher.Allows(context.ClientAddress());
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
                var lists = context.RequestServices.GetRequiredService<AccountAllowLists>();
                if (!await lists.AllowsCallerAsync(accountId, context, context.RequestAborted))
                {
                    return Refusal(context);
                }
            }

            return await next(invocation);
        });
        return group;
    }
}

// Each account's IP allow-list as a matcher (null: no restriction, or no such account), read once per
// Identity:EntryCacheLifetime rather than on every request. The replica that changes a list forgets it at once
// (Forget) and tells the other replicas (EntryChangeNotices), which forget it as the notice arrives (within the
// lifetime when one is missed); the gateway, which enforces the list first, learns of it from the IpAllowListChanged
// event.
public sealed class AccountAllowLists(
    IServiceScopeFactory scopes, TimeProvider clock, IOptions<IdentityServerOptions> options)
{
    private readonly RecentAnswers<Guid, IpAllowListMatcher?> _lists = new(clock, options.Value.EntryCacheLifetime);

    public async ValueTask<IpAllowListMatcher?> GetAsync(Guid accountId, CancellationToken cancellationToken)
    {
        if (_lists.TryGet(accountId, out var matcher))
        {
            return matcher;
        }

        var generation = _lists.Generation;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<IdentityServiceDbContext>();
        var entries = await db.Users.AsNoTracking()
            .Where(a => a.Id == accountId)
            .Select(a => a.IpAllowList)
            .FirstOrDefaultAsync(cancellationToken);
        matcher = entries is null || entries.Count == 0 ? null : IpAllowListMatcher.FromEntries(entries);
        _lists.SetUnlessForgotten(accountId, matcher, generation);
        return matcher;
    }

    public void Forget(Guid accountId) => _lists.Forget(accountId);

    public void ForgetAll() => _lists.Clear();
}
