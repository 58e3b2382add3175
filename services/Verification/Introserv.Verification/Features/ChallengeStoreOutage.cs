using Grpc.Core;
using Grpc.Core.Interceptors;
using Introserv.ServiceDefaults;
using Microsoft.AspNetCore.Diagnostics;
using StackExchange.Redis;

namespace Introserv.Verification.Features;

// Challenges live in Redis. While it is down, Redis calls fail at once (no backlog, short timeouts) and every request
// that needs a challenge is answered 503 challenge_store_unavailable with Retry-After (gRPC: Unavailable), instead of
// hanging or failing with a 500.
public static class ChallengeStoreOutage
{
    public const int RetryAfterSeconds = 5;

    public static bool IsOutage(Exception exception) =>
        exception is RedisConnectionException or RedisTimeoutException
        || (exception is RedisException && exception.InnerException is RedisConnectionException);

    // Fail-fast client options: a request waits at most about a second for Redis.
    public static void Configure(ConfigurationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ConnectTimeout = Math.Min(options.ConnectTimeout, 2000);
        options.AsyncTimeout = Math.Min(options.AsyncTimeout, 1000);
        options.SyncTimeout = Math.Min(options.SyncTimeout, 1000);
    }

    internal sealed class HttpHandler : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(
            HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            if (!IsOutage(exception) || httpContext.Response.HasStarted)
            {
                return false;
            }

            httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(
                System.Globalization.CultureInfo.InvariantCulture);
            return await httpContext.WriteCodedProblemAsync(
                StatusCodes.Status503ServiceUnavailable, Problems.ChallengeStoreUnavailable,
                "Verification is unavailable", "Codes cannot be sent or checked right now; try again in a few seconds.",
                new Dictionary<string, object?> { ["retryAfterSeconds"] = RetryAfterSeconds });
        }
    }

    internal sealed class GrpcInterceptor : Interceptor
    {
        public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
            TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
        {
            ArgumentNullException.ThrowIfNull(continuation);
            try
            {
                return await continuation(request, context);
            }
            catch (Exception ex) when (IsOutage(ex))
            {
                throw new RpcException(new Status(StatusCode.Unavailable, "The challenge store is unavailable."),
                    new Metadata { { "problem-code", Problems.ChallengeStoreUnavailable } });
            }
        }
    }
}
