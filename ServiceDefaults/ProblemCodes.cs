namespace Introserv.ServiceDefaults;

/// <summary>
/// Stable machine-readable <c>code</c> values for RFC 9457 problem responses that are not
/// specific to one feature. Feature codes (e.g. <c>ip_not_allowed</c>) live with their feature.
/// </summary>
public static class ProblemCodes
{
    /// <summary>Request failed validation; the <c>errors</c> extension lists the fields.</summary>
    public const string ValidationFailed = "validation_failed";

    /// <summary>No valid access token was presented.</summary>
    public const string Unauthorized = "unauthorized";

    /// <summary>The caller is authenticated but not allowed to do this.</summary>
    public const string Forbidden = "forbidden";

    /// <summary>No such resource or route.</summary>
    public const string NotFound = "not_found";

    /// <summary>The route exists but not with this HTTP method.</summary>
    public const string MethodNotAllowed = "method_not_allowed";

    /// <summary>The request conflicts with the current state.</summary>
    public const string Conflict = "conflict";

    /// <summary>The request body has a media type the endpoint does not accept.</summary>
    public const string UnsupportedMediaType = "unsupported_media_type";

    /// <summary>Too many requests; see <c>Retry-After</c>.</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>An unexpected server error; the trace id identifies it in the logs.</summary>
    public const string InternalError = "internal_error";

    /// <summary>An upstream service could not be reached or failed.</summary>
    public const string UpstreamUnavailable = "upstream_unavailable";

    /// <summary>An upstream service did not answer in time.</summary>
    public const string UpstreamTimeout = "upstream_timeout";

    /// <summary>The service is temporarily unable to serve the request.</summary>
    public const string ServiceUnavailable = "service_unavailable";

    /// <summary>Any other client error.</summary>
    public const string BadRequest = "bad_request";

    /// <summary>The default code for a status code that has no feature-specific code.</summary>
    public static string ForStatus(int statusCode) => statusCode switch
    {
        400 => BadRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        405 => MethodNotAllowed,
        409 => Conflict,
        415 => UnsupportedMediaType,
        429 => RateLimited,
        502 => UpstreamUnavailable,
        503 => ServiceUnavailable,
        504 => UpstreamTimeout,
        >= 500 => InternalError,
        _ => BadRequest,
    };
}
