using Grpc.Core;
using Introserv.ServiceDefaults;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Introserv.BuildingBlocks.Hosting;

// A request that needed another service over gRPC while it was unreachable or too slow answers 503 service_unavailable
// with Retry-After, not a 500: nothing was done, and the client may retry (with the same Idempotency-Key where it sent
// one).
internal sealed class UnavailableDependencyHandler : IExceptionHandler
{
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(
        HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not RpcException rpc || !Unreachable(rpc) || httpContext.Response.HasStarted)
        {
            return false;
        }

        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(
            System.Globalization.CultureInfo.InvariantCulture);
        return await httpContext.WriteCodedProblemAsync(
            StatusCodes.Status503ServiceUnavailable, ProblemCodes.ServiceUnavailable, "Try again",
            "A service this request needs is unavailable; nothing was done. Try again shortly.");
    }

    // Unavailable or too slow, or the call never reached the other service (a transport failure, which the client
    // reports as Internal).
    private static bool Unreachable(RpcException rpc) =>
        rpc.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded
        || rpc.Status.DebugException is HttpRequestException or System.IO.IOException
            or System.Net.Sockets.SocketException;
}
