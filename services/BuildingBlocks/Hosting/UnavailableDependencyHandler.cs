using Grpc.Core;
using Introserv.BuildingBlocks.Data;
using Introserv.ServiceDefaults;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Introserv.BuildingBlocks.Hosting;

// A request that needed another service over gRPC, or this service's database, while it was unreachable or too slow
// answers 503 service_unavailable with Retry-After, not a 500: the client may retry (with the same Idempotency-Key
// where it sent one). A gRPC call that never got through did nothing; a database failure rolled back what the
// request had not committed (a failure of the commit itself leaves its outcome to the Idempotency-Key's retry).
internal sealed class UnavailableDependencyHandler : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(
        HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (httpContext.Response.HasStarted)
        {
            return false;
        }

        var detail = exception is RpcException rpc && Unreachable(rpc)
            ? "A service this request needs is unavailable; nothing was done. Try again shortly."
            : DatabaseFailures.IsUnavailable(exception)
                ? "The service's data store is unavailable or overloaded. Try again shortly, with the same " +
                    "Idempotency-Key if the request had one."
                : null;
        if (detail is null)
        {
            return false;
        }

        return await httpContext.WriteServiceUnavailableAsync(detail);
    }

    // Unavailable or too slow, or the call never reached the other service (a transport failure, which the client
    // reports as Internal).
    private static bool Unreachable(RpcException rpc) =>
        rpc.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded
        || rpc.Status.DebugException is HttpRequestException or System.IO.IOException
            or System.Net.Sockets.SocketException;
}
