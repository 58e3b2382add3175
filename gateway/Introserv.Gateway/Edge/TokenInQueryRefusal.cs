namespace Introserv.Gateway.Edge;

// Refuses an access token in the query string (?access_token=, RFC 6750 §2.3): such URLs end up in logs, browser
// history and Referer headers. Tokens travel only in the Authorization header.
internal sealed class TokenInQueryRefusal(RequestDelegate next)
{
    private const string Parameter = "access_token";

    public async Task InvokeAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (HasTokenParameter(context.Request.Query))
        {
            await GatewayProblems.WriteAsync(
                context, GatewayProblems.TokenInQuery,
                "Send the access token in the Authorization header (Bearer), never in the query string.");
            return;
        }

        await next(context);
    }

    private static bool HasTokenParameter(IQueryCollection query)
    {
        foreach (var key in query.Keys)
        {
            if (string.Equals(key.Trim(), Parameter, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
