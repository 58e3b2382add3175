using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Introserv.ServiceDefaults;

/// <summary>
/// The one rule of optimistic concurrency for what a customer edits (the profile, the notification settings): a read
/// answers the record's version as its <c>ETag</c> (and as <c>version</c> in the body); a write must send it back,
/// as <c>If-Match: "&lt;version&gt;"</c> or as <c>version</c> in the body. Without it the write is refused
/// <c>428 precondition_required</c>; with an old one <c>412</c> and the current version, so changes made in another
/// tab are never overwritten silently.
/// </summary>
public static class Preconditions
{
    public static readonly ProblemType Required = new(
        StatusCodes.Status428PreconditionRequired, "precondition_required", "Version required");

    /// <summary>The ETag of a version: <c>"7"</c>.</summary>
    public static string ETag(int version) => $"\"{version.ToString(CultureInfo.InvariantCulture)}\"";

    /// <summary>
    /// The version the client read: the <c>If-Match</c> header's, else the body's; null when it sent none.
    /// </summary>
    public static int? ExpectedVersion(HttpContext context, int? bodyVersion)
    {
        ArgumentNullException.ThrowIfNull(context);
        var header = context.Request.Headers.IfMatch.ToString().Trim();
        if (header.StartsWith("W/", StringComparison.Ordinal))
        {
            header = header[2..];
        }

        return header.Length > 2
            && int.TryParse(header.Trim('"'), NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            ? version
            : bodyVersion;
    }

    /// <summary>The 428 problem for a write that sent no version.</summary>
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Missing(string what) =>
        Required.Result(
            $"Send the version of the {what} you read, as If-Match: \"<version>\" or as 'version', " +
            $"so changes from another tab are not overwritten.");
}
