using System.Runtime.ExceptionServices;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;

namespace Introserv.ServiceDefaults;

/// <summary>
/// Identity's discovery document (and so its signing keys) could not be read: no token can be checked until it can.
/// The request is answered 503 service_unavailable with Retry-After, never 401: the token may well be valid, and a
/// 401 tells a client to sign in again, which would fail the same way.
/// </summary>
public sealed class IdentityUnavailableException(Exception inner)
    : Exception("The identity service's discovery document could not be read; tokens cannot be checked now.", inner)
{
    /// <summary>Answers <see cref="IdentityUnavailableException"/> with a 503 problem.</summary>
    internal sealed class Handler : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(
            HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not IdentityUnavailableException || httpContext.Response.HasStarted)
            {
                return false;
            }

            return await httpContext.WriteServiceUnavailableAsync(
                "The access token cannot be checked now: the identity service is unreachable. Nothing was done; " +
                "try again shortly with the same token.");
        }
    }

    /// <summary>
    /// Run when a token was refused. Only a token refused for want of a key to check its signature is looked at
    /// further (a malformed token, a bad audience or an expired one stays 401 without any request to Identity): when
    /// Identity's keys cannot be read now (none read before, and the discovery document unreachable), the refusal
    /// says nothing about the token, and this throws <see cref="IdentityUnavailableException"/> (answered 503). While
    /// the keys are known it costs nothing more: the configuration manager answers from what it holds, and a token
    /// signed with an unknown key stays 401.
    /// </summary>
    internal static async Task ThrowIfKeysUnreadableAsync(AuthenticationFailedContext context)
    {
        if (context.Exception is IdentityUnavailableException unavailable)
        {
            // Thrown by this check and caught by the handler, which reports it again.
            ExceptionDispatchInfo.Throw(unavailable);
        }

        if (context.Exception is not SecurityTokenSignatureKeyNotFoundException
            || context.Options.ConfigurationManager is not { } manager)
        {
            return;
        }

        var aborted = context.HttpContext.RequestAborted;
        try
        {
            await manager.GetConfigurationAsync(aborted);
        }
        catch (Exception ex) when (!aborted.IsCancellationRequested)
        {
            throw new IdentityUnavailableException(ex);
        }
    }
}
