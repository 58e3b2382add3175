using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Introserv.ServiceDefaults;

/// <summary>
/// One coded problem an operation can answer: its status, stable <c>code</c> and title. Each service lists its
/// problems once, in its catalogue; responses are made from the entries and every operation names the entries it
/// can answer (<see cref="ProblemCatalogueExtensions.Problems{TBuilder}"/>), from which the OpenAPI document lists
/// them, so the document cannot drift from what is returned.
/// </summary>
public sealed record ProblemType(int Status, string Code, string Title)
{
    /// <summary>The response: this problem with <paramref name="detail"/> and any extensions.</summary>
    public ProblemHttpResult Result(string detail, IDictionary<string, object?>? extensions = null) =>
        ProblemDetailsExtensions.CodedProblem(Status, Code, Title, detail, extensions);
}

/// <summary>Endpoint metadata: the coded problems an operation can answer besides the common ones.</summary>
public sealed class ProblemTypesMetadata(IReadOnlyList<ProblemType> types)
{
    public IReadOnlyList<ProblemType> Types { get; } = types;
}

/// <summary>
/// The problems the input pipeline, authentication and the gateway answer for any operation: the OpenAPI document
/// adds them to every operation they apply to (see <c>ProblemDocumentation</c> in BuildingBlocks).
/// </summary>
public static class CommonProblems
{
    public static readonly ProblemType InvalidJson = new(
        StatusCodes.Status400BadRequest, InputErrors.InvalidJson, "Invalid JSON");
    public static readonly ProblemType InvalidParameter = new(
        StatusCodes.Status400BadRequest, InputErrors.InvalidParameter, "Invalid parameter");
    public static readonly ProblemType MissingParameter = new(
        StatusCodes.Status400BadRequest, InputErrors.MissingParameter, "Missing parameter");
    public static readonly ProblemType ValidationFailed = new(
        StatusCodes.Status400BadRequest, ProblemCodes.ValidationFailed, "Validation failed");
    public static readonly ProblemType Unauthorized = new(
        StatusCodes.Status401Unauthorized, ProblemCodes.Unauthorized, "Unauthorized");
    public static readonly ProblemType NotFound = new(
        StatusCodes.Status404NotFound, ProblemCodes.NotFound, "Not found");
    public static readonly ProblemType Forbidden = new(
        StatusCodes.Status403Forbidden, ProblemCodes.Forbidden, "Forbidden");
    public static readonly ProblemType IpNotAllowed = new(
        StatusCodes.Status403Forbidden, "ip_not_allowed", "Address not allowed");
    public static readonly ProblemType PayloadTooLarge = new(
        StatusCodes.Status413PayloadTooLarge, InputErrors.PayloadTooLarge, "Payload too large");
    public static readonly ProblemType UnsupportedMediaType = new(
        StatusCodes.Status415UnsupportedMediaType, ProblemCodes.UnsupportedMediaType, "Unsupported media type");
    public static readonly ProblemType RateLimited = new(
        StatusCodes.Status429TooManyRequests, ProblemCodes.RateLimited, "Too many requests");
    public static readonly ProblemType InvalidCursor = new(
        StatusCodes.Status400BadRequest, PageQuery.InvalidCursor, "Invalid cursor");

    /// <summary>
    /// The token cannot be checked now (Identity unreachable before its keys were ever read), or a dependency the
    /// operation needs is down: nothing was done; retry after Retry-After.
    /// </summary>
    public static readonly ProblemType ServiceUnavailable = new(
        StatusCodes.Status503ServiceUnavailable, ProblemCodes.ServiceUnavailable, "Try again");

    /// <summary>Any operation with parameters or a body.</summary>
    public static readonly IReadOnlyList<ProblemType> Input =
        [InvalidJson, InvalidParameter, MissingParameter, ValidationFailed];

    /// <summary>An operation that takes a body.</summary>
    public static readonly IReadOnlyList<ProblemType> Body = [PayloadTooLarge, UnsupportedMediaType];

    /// <summary>
    /// An operation that needs an access token (through the gateway: its allow-list and rate limit too).
    /// </summary>
    public static readonly IReadOnlyList<ProblemType> SignedIn =
        [Unauthorized, IpNotAllowed, RateLimited, ServiceUnavailable];

    /// <summary>An operation for staff only.</summary>
    public static readonly IReadOnlyList<ProblemType> Staff = [Forbidden];

    /// <summary>A paged list.</summary>
    public static readonly IReadOnlyList<ProblemType> Paged = [InvalidCursor];
}

/// <summary>
/// The problems of a sensitive operation an account may have to confirm (by call, with a Verification step-up token):
/// shared by the services that have such operations (Identity, Orders, Notifications), each listing them in its own
/// catalogue.
/// </summary>
public static class ConfirmationProblems
{
    public static readonly ProblemType StepUpRequired = new(
        StatusCodes.Status403Forbidden, "step_up_required", "Confirmation required");
    public static readonly ProblemType ConfirmationUnavailable = new(
        StatusCodes.Status503ServiceUnavailable, "confirmation_unavailable", "Confirmation unavailable");
}

public static class ProblemCatalogueExtensions
{
    /// <summary>
    /// Declares the coded problems the operation answers (the common ones are added by the document).
    /// </summary>
    public static TBuilder Problems<TBuilder>(this TBuilder builder, params ProblemType[] types)
        where TBuilder : IEndpointConventionBuilder
    {
        ArgumentNullException.ThrowIfNull(types);
        builder.WithMetadata(new ProblemTypesMetadata(types));
        foreach (var status in types.Select(t => t.Status).Distinct())
        {
            builder.ProducesProblem(status);
        }

        return builder;
    }

    /// <summary>Declares a paged list: its cursor problem.</summary>
    public static TBuilder Paged<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder => builder.Problems([.. CommonProblems.Paged]);
}
