using Introserv.ServiceDefaults;

namespace Introserv.Gateway;

// Every coded problem the gateway answers itself, before or instead of a service (README lists them; the combined
// OpenAPI document declares them on the operations they can meet).
public static class GatewayProblems
{
    // The path is not part of the public API at all, as opposed to a service's not_found for a missing resource: a
    // front end sees at once that the route itself is wrong.
    public static readonly ProblemType NoSuchRoute = new(
        StatusCodes.Status404NotFound, "route_not_found", "No such API route");

    public static readonly ProblemType TokenInQuery = new(
        StatusCodes.Status400BadRequest, "token_in_query", "Access token in the URL");

    public static readonly ProblemType IpNotAllowed = CommonProblems.IpNotAllowed;

    public static readonly ProblemType RateLimited = CommonProblems.RateLimited;

    public static readonly ProblemType AllowListUnavailable = new(
        StatusCodes.Status503ServiceUnavailable, "allow_list_unavailable", "Access check unavailable");

    public static readonly ProblemType UpstreamUnavailable = new(
        StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable, "Service unavailable");

    public static readonly ProblemType UpstreamTimeout = new(
        StatusCodes.Status504GatewayTimeout, ProblemCodes.UpstreamTimeout, "Service timed out");

    // What the gateway may answer on any API operation, and on those that need a token.
    public static readonly IReadOnlyList<ProblemType> OnEveryOperation =
        [TokenInQuery, UpstreamUnavailable, UpstreamTimeout];

    public static readonly IReadOnlyList<ProblemType> OnSignedInOperations = [AllowListUnavailable];

    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult RouteNotFound(HttpContext context) =>
        NoSuchRoute.Result($"'{context.Request.Method} {context.Request.Path}' is not a route of the public API.");

    // Writes type from middleware.
    public static async Task WriteAsync(
        HttpContext context, ProblemType type, string detail, IDictionary<string, object?>? extensions = null)
    {
        ArgumentNullException.ThrowIfNull(type);
        await context.WriteCodedProblemAsync(type.Status, type.Code, type.Title, detail, extensions);
    }
}
