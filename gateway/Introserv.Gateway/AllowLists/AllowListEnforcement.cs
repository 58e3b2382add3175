using System.Security.Claims;
using Introserv.Gateway.Access;
using Introserv.ServiceDefaults;

namespace Introserv.Gateway.AllowLists;

// Every authenticated request: the client address (the socket address, or what a configured proxy forwarded) must be in
// the account's IP allow-list, else 403 ip_not_allowed. A list that cannot be loaded refuses the request with 503
// allow_list_unavailable (fail closed).
internal sealed class AllowListEnforcement(RequestDelegate next)
{

    public async Task InvokeAsync(HttpContext context, AllowListCache cache, LastAccessReporter lastAccess)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(lastAccess);
        if (context.User.Identity?.IsAuthenticated == true
            && Guid.TryParse(context.User.FindFirstValue("sub"), out var accountId))
        {
            var address = context.ClientAddress();
            CachedAllowList list;
            try
            {
                list = await cache.GetAsync(accountId, context.RequestAborted);
            }
            catch (AllowListUnavailableException)
            {
                context.Response.Headers.RetryAfter = "5";
                await GatewayProblems.WriteAsync(
                    context, GatewayProblems.AllowListUnavailable,
                    "The account's IP allow-list cannot be checked right now; try again shortly.");
                return;
            }

            if (!list.Matcher.Allows(address))
            {
                await GatewayProblems.WriteAsync(
                    context, GatewayProblems.IpNotAllowed,
                    $"This account's IP allow-list does not include your address {address}.",
                    new Dictionary<string, object?> { ["callerAddress"] = address?.ToString() });
                return;
            }

            lastAccess.Record(accountId, address);
        }

        await next(context);
    }
}
