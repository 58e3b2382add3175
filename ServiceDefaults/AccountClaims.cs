using System.Security.Claims;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Introserv.ServiceDefaults;

/// <summary>The signed-in account of a request: the one way every service reads it.</summary>
public static class AccountClaims
{
    /// <summary>The claim that names the account (<c>sub</c>).</summary>
    public const string Subject = "sub";

    /// <summary>
    /// The account the access token names. Fails loudly (<see cref="MissingAccountException"/>, answered 401) when
    /// the token names none: never <see cref="Guid.Empty"/>, which would read or write a nobody's data.
    /// </summary>
    public static Guid AccountId(this ClaimsPrincipal user) =>
        user.TryAccountId() ?? throw new MissingAccountException();

    /// <summary>The account the token names, or null when it names none.</summary>
    public static Guid? TryAccountId(this ClaimsPrincipal? user) =>
        Guid.TryParse(user?.FindFirstValue(Subject), out var id) && id != Guid.Empty ? id : null;
}

/// <summary>An authenticated request whose token names no account.</summary>
public sealed class MissingAccountException() : Exception("The access token names no account (no 'sub' claim).")
{
    /// <summary>Answers <see cref="MissingAccountException"/> with a 401 problem.</summary>
    internal sealed class Handler(IProblemDetailsService problems) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not MissingAccountException || httpContext.Response.HasStarted)
            {
                return false;
            }

            httpContext.Response.StatusCode = StatusCodes.Status401Unauthorized;
            var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Status = StatusCodes.Status401Unauthorized,
                Title = "No account in the token",
                Detail = "The access token does not name an account.",
            };
            problem.Extensions[ProblemDetailsExtensions.CodeExtension] = ProblemCodes.Unauthorized;
            return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem });
        }
    }
}
