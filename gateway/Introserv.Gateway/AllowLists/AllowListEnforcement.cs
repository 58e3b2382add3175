using System.Security.Claims;
using Introserv.Gateway.Access;
using Introserv.ServiceDefaults;

namespace Introserv.Gateway.AllowLists;

// Every authenticated request: the client address (the socket address, or what a configured proxy forwarded) must be in
// the account's IP allow-list, else 403 ip_not_allowed. A signed invoice link (GET /api/invoice-links/{account}/…,
// no token) is held to the allow-list of the account it names: Orders serves it only when the link's signature covers
// that account, so naming another account gets nothing past either check. A list that cannot be loaded refuses the
// request with 503 allow_list_unavailable (fail closed).
internal sealed class AllowListEnforcement(RequestDelegate next)
{
    public const string InvoiceLinkPrefix = "/api/invoice-links";

    public async Task InvokeAsync(HttpContext context, AllowListCache cache, LastAccessReporter lastAccess)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(lastAccess);
        Guid? signedIn = context.User.Identity?.IsAuthenticated == true
            && Guid.TryParse(context.User.FindFirstValue("sub"), out var accountId)
                ? accountId
                : null;
        Guid? linked = null;
        if (context.Request.Path.StartsWithSegments(InvoiceLinkPrefix, out var rest))
        {
            if (!TryLinkedAccount(rest, out var named))
            {
                // What Orders answers for a path value its route does not accept.
                await GatewayProblems.WriteAsync(
                    context, CommonProblems.NotFound, "An invoice link names an account and an invoice.");
                return;
            }

            linked = named;
        }

        // Both lists must admit the caller: the signed-in account's and, on an invoice link, the named account's.
        if (signedIn is { } own && !await AllowsAsync(context, cache, own))
        {
            return;
        }

        if (linked is { } linkedAccount && !await AllowsAsync(context, cache, linkedAccount))
        {
            return;
        }

        if (signedIn is { } reported)
        {
            lastAccess.Record(reported, context.ClientAddress());
        }

        await next(context);
    }

    // "/{account}/…": the account the link names (any GUID format the route accepts).
    private static bool TryLinkedAccount(PathString rest, out Guid account)
    {
        account = Guid.Empty;
        var value = rest.Value;
        if (value is not { Length: > 1 } || value[0] != '/')
        {
            return false;
        }

        var end = value.IndexOf('/', 1);
        return Guid.TryParse(end < 0 ? value.AsSpan(1) : value.AsSpan(1, end - 1), out account);
    }

    // Writes the refusal and answers false when the account's list does not admit the client address.
    private static async Task<bool> AllowsAsync(HttpContext context, AllowListCache cache, Guid accountId)
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
            return false;
        }

        if (list.Matcher.Allows(address))
        {
            return true;
        }

        await GatewayProblems.WriteAsync(
            context, GatewayProblems.IpNotAllowed,
            $"This account's IP allow-list does not include your address {address}.",
            new Dictionary<string, object?> { ["callerAddress"] = address?.ToString() });
        return false;
    }
}
