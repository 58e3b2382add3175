using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Introserv.ServiceDefaults;

/// <summary>
/// One input pipeline for every service and the gateway: a request the framework cannot bind (malformed JSON,
/// JSON of the wrong shape, an unparsable route or query value, a missing body, a wrong content type, a body over
/// the limit) is a 400/413/415 problem with a stable <c>code</c> naming the field or parameter, never a 500.
/// <para>
/// Limits (section <c>Http</c>): <c>MaxRequestBodyBytes</c> (default 256 KiB: the largest JSON request of the API
/// is a few KiB) and <c>MaxJsonDepth</c> (default 32).
/// </para>
/// </summary>
public static partial class InputErrors
{
    /// <summary>
    /// The body is not JSON, or not of the expected shape; <c>field</c> names the JSON path when known.
    /// </summary>
    public const string InvalidJson = "invalid_json";

    /// <summary>A route, query or header value could not be read; <c>parameter</c> names it.</summary>
    public const string InvalidParameter = "invalid_parameter";

    /// <summary>A required parameter or the body is missing.</summary>
    public const string MissingParameter = "missing_parameter";

    /// <summary>The body is larger than the service accepts.</summary>
    public const string PayloadTooLarge = "payload_too_large";

    public const int DefaultMaxRequestBodyBytes = 256 * 1024;

    public const int DefaultMaxJsonDepth = 32;

    /// <summary>Registers the limits and the handler that turns binding failures into problems.</summary>
    public static TBuilder AddIntroservInputErrors<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var section = builder.Configuration.GetSection("Http");
        var maxBody = section.GetValue("MaxRequestBodyBytes", DefaultMaxRequestBodyBytes);
        var maxDepth = section.GetValue("MaxJsonDepth", DefaultMaxJsonDepth);
        builder.Services.Configure<KestrelServerOptions>(options => options.Limits.MaxRequestBodySize = maxBody);
        builder.Services.AddSingleton(new BodyLimit(maxBody));
        builder.Services.ConfigureHttpJsonOptions(options =>
        {
            options.SerializerOptions.MaxDepth = maxDepth;
            // A number is a JSON number: "12" where a number belongs is refused (and the document says "number", not
            // "number or string").
            options.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
            options.SerializerOptions.Converters.Add(new SafeText.Converter());
        });
        // Binding failures throw (in every environment) so that one handler answers them all alike.
        builder.Services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        builder.Services.AddExceptionHandler<BadRequestHandler>();
        builder.Services.AddExceptionHandler<MissingAccountException.Handler>();
        return builder;
    }

    /// <summary>
    /// Refuses early what no API endpoint reads: a declared body over the limit (413; Kestrel enforces the limit
    /// on bodies without a length) and a body that is not JSON on an <c>/api</c> write (415).
    /// </summary>
    public static IApplicationBuilder UseIntroservInputLimits(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            var limit = context.RequestServices.GetRequiredService<BodyLimit>().Bytes;
            if (request.ContentLength > limit)
            {
                await WriteAsync(context, 413, PayloadTooLarge,
                    $"The request body is larger than this API accepts ({limit} bytes).");
                return;
            }

            if (ForbiddenValue(request) is { } parameter)
            {
                await WriteAsync(context, 400, InvalidParameter,
                    $"The value of '{parameter}' contains a control or bidirectional-override character.",
                    new Dictionary<string, object?> { ["parameter"] = parameter });
                return;
            }

            // Form posts (the sign-in, sign-up and reset pages, the token endpoint) meet the same rule as JSON strings.
            if (request.HasFormContentType
                && await ForbiddenFormValueAsync(request, context.RequestAborted) is { } field)
            {
                await WriteAsync(context, 400, InvalidParameter,
                    $"The value of '{field}' contains a control or bidirectional-override character.",
                    new Dictionary<string, object?> { ["parameter"] = field });
                return;
            }

            var hasBody = request.ContentLength > 0 || request.Headers.TransferEncoding.Count > 0;
            if (hasBody && request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase)
                && (HttpMethods.IsPost(request.Method) || HttpMethods.IsPut(request.Method)
                    || HttpMethods.IsPatch(request.Method))
                && !IsJson(request.ContentType))
            {
                await WriteAsync(context, 415, ProblemCodes.UnsupportedMediaType, "Send the body as application/json.");
                return;
            }

            await next(context);
        });

    private static bool IsJson(string? contentType) =>
        Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(contentType, out var media)
        && media.Type.Equals("application", StringComparison.OrdinalIgnoreCase)
        && (media.SubType.Equals("json", StringComparison.OrdinalIgnoreCase)
            || media.SubType.EndsWith("+json", StringComparison.OrdinalIgnoreCase));

    // The route's values are checked where they are bound; the path as a whole and every query value here.
    private static string? ForbiddenValue(HttpRequest request)
    {
        if (SafeText.HasForbiddenCharacter(request.Path.Value))
        {
            return "path";
        }

        foreach (var (key, values) in request.Query)
        {
            if (SafeText.HasForbiddenCharacter(key) || values.Any(v => SafeText.HasForbiddenCharacter(v)))
            {
                return key;
            }
        }

        return null;
    }

    private static async Task<string?> ForbiddenFormValueAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        // The body stays readable for what follows (the gateway forwards it; a page reads the form again).
        request.EnableBuffering();
        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken);
        }
        catch (InvalidDataException)
        {
            // The framework's form reader refuses some characters (NUL) and forms over its limits itself.
            return "form";
        }
        finally
        {
            request.Body.Position = 0;
        }

        foreach (var (key, values) in form)
        {
            if (SafeText.HasForbiddenCharacter(key) || values.Any(v => SafeText.HasForbiddenCharacter(v)))
            {
                return key;
            }
        }

        return null;
    }

    private static async Task WriteAsync(
        HttpContext context, int status, string code, string detail, IDictionary<string, object?>? extensions = null) =>
        await context.WriteCodedProblemAsync(status, code, "The request is not valid", detail, extensions);

    private sealed record BodyLimit(long Bytes);

    /// <summary>The problem for a request the framework could not bind.</summary>
    public static (int Status, string Code, string Detail, IDictionary<string, object?> Extensions) Describe(
        Microsoft.AspNetCore.Http.BadHttpRequestException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var extensions = new Dictionary<string, object?>();
        if (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return (413, PayloadTooLarge, "The request body is larger than this API accepts.", extensions);
        }

        if (exception.StatusCode == StatusCodes.Status415UnsupportedMediaType)
        {
            return (415, ProblemCodes.UnsupportedMediaType, "Send the body as application/json.", extensions);
        }

        if (Find<JsonException>(exception) is { } json)
        {
            var field = JsonPathToField(json.Path);
            if (field is not null)
            {
                extensions["field"] = field;
            }

            if (Find<TooManyItemsException>(exception) is { } tooMany)
            {
                extensions["maxItems"] = tooMany.Max;
                return (400, InvalidJson, $"'{field ?? "the body"}' holds at most {tooMany.Max} items.", extensions);
            }

            return (400, InvalidJson, field is null
                ? "The body is not valid JSON of the expected shape."
                : $"The body is not valid JSON of the expected shape at '{field}'.", extensions);
        }

        var message = exception.Message;
        if (message.Contains("no body was provided", StringComparison.Ordinal)
            || message.Contains("body was not provided", StringComparison.Ordinal))
        {
            return (400, MissingParameter, "A JSON body is required.", extensions);
        }

        if (ParameterName().Match(message) is { Success: true } named)
        {
            // Parameters bound through [AsParameters] are named after their property (Limit); the API's are camelCase.
            var name = JsonNamingPolicy.CamelCase.ConvertName(named.Groups["name"].Value);
            extensions["parameter"] = name;
            return message.Contains("was not provided", StringComparison.Ordinal)
                ? (400, MissingParameter, $"The parameter '{name}' is required.", extensions)
                : (400, InvalidParameter, $"The value of '{name}' is not valid.", extensions);
        }

        return (400, ProblemCodes.BadRequest, "The request could not be read.", extensions);
    }

    private static T? Find<T>(Exception? exception)
        where T : Exception
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            if (current is T found)
            {
                return found;
            }
        }

        return null;
    }

    // "$.items[2].name" -> "items[2].name"; "$" (the whole body) -> null.
    private static string? JsonPathToField(string? path) =>
        path is null || path == "$"
            ? null
            : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    // Messages of RequestDelegateFactory: Failed to bind parameter "DateTimeOffset before" from "x".
    // / Required parameter "int limit" was not provided from query string.
    [GeneratedRegex("parameter \"(?:[^\" ]+ )?(?<name>[^\" ]+)\"", RegexOptions.CultureInvariant)]
    private static partial Regex ParameterName();

    private sealed class BadRequestHandler : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(
            HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            if (exception is not Microsoft.AspNetCore.Http.BadHttpRequestException bad
                || httpContext.Response.HasStarted)
            {
                return false;
            }

            var (status, code, detail, extensions) = Describe(bad);
            return await httpContext.WriteCodedProblemAsync(
                status, code, "The request is not valid", detail, extensions);
        }
    }
}
