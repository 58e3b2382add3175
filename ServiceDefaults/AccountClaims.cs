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
    internal sealed class Handler : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(
            HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not MissingAccountException || httpContext.Response.HasStarted)
            {
                return false;
            }

            return await httpContext.WriteCodedProblemAsync(
                StatusCodes.Status401Unauthorized, ProblemCodes.Unauthorized, "No account in the token",
                "The access token does not name an account.");
        }
    }
}
