using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;

namespace Introserv.ServiceDefaults;

/// <summary>RFC 9457 problem responses with a stable <c>code</c> and the trace id, for every non-2xx.</summary>
public static class ProblemDetailsExtensions
{
    /// <summary>Name of the problem extension carrying the stable machine-readable code.</summary>
    public const string CodeExtension = "code";

    /// <summary>Name of the problem extension carrying the W3C trace id.</summary>
    public const string TraceIdExtension = "traceId";

    /// <summary>
    /// A problem response with its stable <c>code</c> (and any other extensions): what every endpoint answers on an
    /// error.
    /// </summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult CodedProblem(
        int status, string code, string title, string detail, IDictionary<string, object?>? extensions = null)
    {
        var all = new Dictionary<string, object?>(extensions ?? new Dictionary<string, object?>())
        {
            [CodeExtension] = code
        };
        return TypedResults.Problem(statusCode: status, title: title, detail: detail, extensions: all);
    }

    /// <summary>
    /// Writes a problem with its stable <c>code</c> from middleware or an exception handler (where no endpoint result
    /// runs). Returns whether it was written.
    /// </summary>
    public static ValueTask<bool> WriteCodedProblemAsync(
        this HttpContext context, int status, string code, string title, string detail,
        IDictionary<string, object?>? extensions = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = status;
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Title = title, Detail = detail };
        problem.Extensions[CodeExtension] = code;
        foreach (var (key, value) in extensions ?? new Dictionary<string, object?>())
        {
            problem.Extensions[key] = value;
        }

        return context.RequestServices.GetRequiredService<IProblemDetailsService>()
            .TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }

    // gRPC's status code UNAVAILABLE.
    private const string GrpcUnavailable = "14";

    private static bool IsGrpc(HttpRequest request) =>
        request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase);

    /// <summary>Seconds a 503 service_unavailable asks the client to wait before it tries again.</summary>
    public const int ServiceUnavailableRetryAfterSeconds = 5;

    /// <summary>
    /// Writes 503 service_unavailable ("Try again") with Retry-After, from an exception handler: something the request
    /// needs is unreachable and nothing was done. A gRPC call gets what a gRPC client reads instead: the status
    /// UNAVAILABLE (which its callers treat as "try again") with the detail as its message. Returns whether it was
    /// written.
    /// </summary>
    public static ValueTask<bool> WriteServiceUnavailableAsync(this HttpContext context, string detail)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (IsGrpc(context.Request))
        {
            // A trailers-only response: HTTP 200 whose headers carry the call's status and end the stream.
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/grpc";
            context.Response.Headers["grpc-status"] = GrpcUnavailable;
            context.Response.Headers["grpc-message"] = Uri.EscapeDataString(detail);
            return ValueTask.FromResult(true);
        }

        // The shared customization adds retryAfterSeconds and Retry-After to every service_unavailable.
        return context.WriteCodedProblemAsync(
            StatusCodes.Status503ServiceUnavailable, ProblemCodes.ServiceUnavailable,
            CommonProblems.ServiceUnavailable.Title, detail);
    }

    /// <summary>
    /// Name of the problem extension that tells the client how many seconds to wait before it tries again; a problem
    /// with it is answered with the same <c>Retry-After</c> header (unless the endpoint set one).
    /// </summary>
    public const string RetryAfterSecondsExtension = "retryAfterSeconds";

    private static long? RetryAfterSecondsOf(Microsoft.AspNetCore.Mvc.ProblemDetails problem) =>
        problem.Extensions.TryGetValue(RetryAfterSecondsExtension, out var value)
            ? value switch
            {
                int seconds when seconds > 0 => seconds,
                long seconds when seconds > 0 => seconds,
                JsonElement { ValueKind: JsonValueKind.Number } number
                    when number.TryGetInt64(out var seconds) && seconds > 0 => seconds,
                _ => null,
            }
            : null;

    /// <summary>
    /// Registers ProblemDetails so that every error response gets a <c>code</c> and a <c>traceId</c>.
    /// </summary>
    public static IServiceCollection AddIntroservProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
        {
            var problem = context.ProblemDetails;
            var status = problem.Status ?? context.HttpContext.Response.StatusCode;
            if (problem is HttpValidationProblemDetails validation)
            {
                // The framework's validation names members as C# does; the API's errors name fields as the JSON does.
                validation.Errors = validation.Errors
                    .GroupBy(e => ValidationErrorNames.ToJson(e.Key), StringComparer.Ordinal)
                    .ToDictionary(g => g.Key, g => g.SelectMany(e => e.Value).ToArray(), StringComparer.Ordinal);
            }

            if (!problem.Extensions.ContainsKey(CodeExtension))
            {
                var isValidation = problem is HttpValidationProblemDetails;
                problem.Extensions[CodeExtension] = isValidation
                    ? ProblemCodes.ValidationFailed
                    : ProblemCodes.ForStatus(status);
            }

            problem.Extensions[TraceIdExtension] = Activity.Current?.TraceId.ToString()
                ?? context.HttpContext.TraceIdentifier;
            problem.Extensions.Remove("requestId");
            // Every 503 service_unavailable, whichever endpoint answers it, asks the client to come back in
            // ServiceUnavailableRetryAfterSeconds unless it says otherwise.
            if (problem.Extensions.TryGetValue(CodeExtension, out var code) && code is ProblemCodes.ServiceUnavailable
                && !problem.Extensions.ContainsKey(RetryAfterSecondsExtension)
                && !context.HttpContext.Response.Headers.ContainsKey(HeaderNames.RetryAfter))
            {
                problem.Extensions[RetryAfterSecondsExtension] = ServiceUnavailableRetryAfterSeconds;
            }

            // A problem that names when to come back says it in the header too, where HTTP clients look for it.
            if (RetryAfterSecondsOf(problem) is { } seconds
                && !context.HttpContext.Response.HasStarted
                && !context.HttpContext.Response.Headers.ContainsKey(HeaderNames.RetryAfter))
            {
                context.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            }
        });
        AnswerEveryAcceptWithJson(services);
        return services;
    }

    // The framework's writer declines a request whose Accept header names no JSON type (text/html, application/xml):
    // then a problem written by middleware (ip_not_allowed, rate_limited, token_in_query) went out with no body, a
    // bare status code as plain text, and an endpoint's problem as JSON without the customization above (no traceId,
    // no Retry-After). Every problem is JSON whatever the request accepts: the API has no other error format, and a
    // body in a type the client did not list beats none (RFC 9110 §12.5.1 lets a server disregard Accept).
    private static void AnswerEveryAcceptWithJson(IServiceCollection services)
    {
        // AddProblemDetails adds the framework's writer again when called twice: only the first place is kept.
        var index = -1;
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (IsFrameworkWriter(services[i]))
            {
                services.RemoveAt(i);
                index = i;
            }
        }

        if (services.Any(d => d.ServiceType == typeof(AnyAcceptProblemDetailsWriter)))
        {
            return;
        }

        if (index < 0)
        {
            throw new InvalidOperationException(
                "The framework's problem details writer is not registered: AddProblemDetails changed.");
        }

        // Writers registered later (MVC's, which AddRazorPages adds in Identity, used only by [ApiController]
        // controllers, of which there are none) are never asked: this one writes every problem.
        services.Insert(index, ServiceDescriptor.Singleton<IProblemDetailsWriter>(
            provider => provider.GetRequiredService<AnyAcceptProblemDetailsWriter>()));
        services.AddSingleton(provider => new AnyAcceptProblemDetailsWriter(
            (IProblemDetailsWriter)ActivatorUtilities.CreateInstance(provider, FrameworkWriterType)));
    }

    /// <summary>
    /// Turns unhandled exceptions and bare status codes (404, 405, 401, ...) into problem responses.
    /// Call early in the pipeline.
    /// </summary>
    public static WebApplication UseIntroservProblemDetails(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseIntroservInputLimits();
        return app;
    }

    // The framework's DefaultProblemDetailsWriter (internal), which AddProblemDetails registers.
    private static readonly Type FrameworkWriterType = typeof(ProblemDetailsOptions).Assembly
        .GetType("Microsoft.AspNetCore.Http.DefaultProblemDetailsWriter", throwOnError: true)!;

    private static bool IsFrameworkWriter(ServiceDescriptor descriptor) =>
        descriptor.ServiceType == typeof(IProblemDetailsWriter)
        && !descriptor.IsKeyedService
        && descriptor.ImplementationType == FrameworkWriterType;
}

/// <summary>
/// The framework's problem writer (its defaults, the customization, application/problem+json), for any Accept.
/// </summary>
internal sealed class AnyAcceptProblemDetailsWriter(IProblemDetailsWriter json) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context) => json.WriteAsync(context);
}
