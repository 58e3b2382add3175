using Introserv.ServiceDefaults;

namespace Introserv.Gateway;

public static class GatewayProblems
{
    /// <summary>
    /// The path is not part of the public API at all, as opposed to a service's <c>not_found</c> for a
    /// missing resource: a front end sees at once that the route itself is wrong.
    /// </summary>
    public const string RouteNotFoundCode = "route_not_found";

    public static readonly ProblemType NoSuchRoute = new(StatusCodes.Status404NotFound, RouteNotFoundCode, "No such API route");

    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult RouteNotFound(HttpContext context) =>
        NoSuchRoute.Result($"'{context.Request.Method} {context.Request.Path}' is not a route of the public API.");

    /// <summary>Writes a problem response with a stable code from middleware.</summary>
    public static async Task WriteAsync(
        HttpContext context, int status, string code, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        await context.WriteCodedProblemAsync(status, code, title, detail, extensions);
}
