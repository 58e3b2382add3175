using System.Buffers.Binary;
using Introserv.ServiceDefaults;
using Microsoft.AspNetCore.WebUtilities;

namespace Introserv.Orders.Features;

/// <summary>
/// The <c>nextBefore</c> cursors of every list: opaque, URL-safe strings (base64url, no padding). A list sorted by a
/// time carries the time and the row's id, and the next page starts strictly after that pair, so rows that share a
/// time are never skipped nor repeated. Clients pass them back as <c>before</c> unchanged; anything else is
/// <c>400 invalid_cursor</c>.
/// </summary>
public static class PageCursor
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 100;
    private const int TimeAndIdLength = 8 + 16;
    private const int SequenceLength = 8;

    public static string Encode(DateTimeOffset at, Guid id)
    {
        var bytes = new byte[TimeAndIdLength];
        BinaryPrimitives.WriteInt64BigEndian(bytes, at.UtcTicks);
        id.TryWriteBytes(bytes.AsSpan(8), bigEndian: true, out _);
        return WebEncoders.Base64UrlEncode(bytes);
    }

    public static string Encode(long sequence)
    {
        var bytes = new byte[SequenceLength];
        BinaryPrimitives.WriteInt64BigEndian(bytes, sequence);
        return WebEncoders.Base64UrlEncode(bytes);
    }

    public static bool TryDecode(string? cursor, out DateTimeOffset at, out Guid id)
    {
        (at, id) = (default, default);
        if (Bytes(cursor, TimeAndIdLength) is not { } bytes)
        {
            return false;
        }

        var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes);
        if (ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks)
        {
            return false;
        }

        at = new DateTimeOffset(ticks, TimeSpan.Zero);
        id = new Guid(bytes.AsSpan(8), bigEndian: true);
        return true;
    }

    public static bool TryDecode(string? cursor, out long sequence)
    {
        sequence = 0;
        if (Bytes(cursor, SequenceLength) is not { } bytes)
        {
            return false;
        }

        sequence = BinaryPrimitives.ReadInt64BigEndian(bytes);
        return sequence > 0;
    }

    /// <summary>A problem when <paramref name="limit"/> or <paramref name="cursorValid"/> is wrong; null when the page may be read.</summary>
    public static IResult? Check(int? limit, bool cursorValid)
    {
        if (limit is < 1 or > MaxLimit)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"Between 1 and {MaxLimit}."] });
        }

        return cursorValid ? null : ProblemDetailsExtensions.CodedProblem(StatusCodes.Status400BadRequest, "invalid_cursor", "Invalid cursor",
            "'before' takes the nextBefore value of the previous page, unchanged.");
    }

    private static byte[]? Bytes(string? cursor, int length)
    {
        if (string.IsNullOrEmpty(cursor) || cursor.Length > 64 || !cursor.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return null;
        }

        try
        {
            var bytes = WebEncoders.Base64UrlDecode(cursor);
            return bytes.Length == length ? bytes : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
