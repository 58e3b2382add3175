using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;

namespace Introserv.ServiceDefaults;

/// <summary>
/// One page of a list, the shape every list of the API answers: the items (newest first) and the cursor of the
/// next page, null on the last one.
/// </summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);

/// <summary>
/// The paging parameters every list takes (bind it with <c>[AsParameters]</c>): <c>cursor</c>, the
/// <c>nextCursor</c> of the previous page passed back unchanged, and <c>limit</c>, 1 to <see cref="MaxLimit"/>
/// (default <see cref="DefaultLimit"/>). A limit out of range is <c>400 invalid_parameter</c>, never a silent cap;
/// a cursor the list did not issue is <c>400 invalid_cursor</c>.
/// </summary>
public sealed class PageQuery
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 100;
    public const string InvalidCursor = "invalid_cursor";

    [FromQuery(Name = "cursor")]
    public string? Cursor { get; init; }

    [FromQuery(Name = "limit")]
    public int? Limit { get; init; }

    /// <summary>How many items the page holds at most.</summary>
    public int Take => Limit ?? DefaultLimit;

    private delegate bool Decoder<T>(string cursor, out T position);

    /// <summary>
    /// Reads a cursor of a list ordered by a sequence (newest first); null <paramref name="before"/> is the first page.
    /// </summary>
    public bool TryRead(out long? before, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        var read = TryRead((string cursor, out long sequence) => PageCursor.TryDecode(cursor, out sequence),
            out var position, out var present, out problem);
        before = present ? position : null;
        return read;
    }

    /// <summary>
    /// Reads a cursor of a list ordered by a time and an id (newest first); null <paramref name="before"/> is the first
    /// page.
    /// </summary>
    public bool TryRead(out (DateTimeOffset At, Guid Id)? before, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        var read = TryRead(
            (string cursor, out (DateTimeOffset, Guid) pair) =>
            {
                var decoded = PageCursor.TryDecode(cursor, out DateTimeOffset at, out var id);
                pair = (at, id);
                return decoded;
            },
            out var position, out var present, out problem);
        before = present ? position : null;
        return read;
    }

    /// <summary>
    /// The page made of <paramref name="rows"/>, read with <c>Take(query.Take + 1)</c>: the extra row only tells
    /// that there is a next page, whose cursor is that of the page's last item.
    /// </summary>
    public Page<T> PageOf<T>(IReadOnlyList<T> rows, Func<T, string> cursorOf)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(cursorOf);
        return rows.Count > Take
            ? new Page<T>(rows.Take(Take).ToList(), cursorOf(rows[Take - 1]))
            : new Page<T>(rows, null);
    }

    private bool TryRead<T>(
        Decoder<T> decode, out T position, out bool present, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        (position, present, problem) = (default!, false, LimitProblem());
        if (problem is not null || Cursor is null)
        {
            return problem is null;
        }

        if (decode(Cursor, out position))
        {
            present = true;
            return true;
        }

        problem = CursorProblem();
        return false;
    }

    /// <summary>The problem when <c>limit</c> is out of range; null when it may be read.</summary>
    public ProblemHttpResult? LimitProblem() => Limit is < 1 or > MaxLimit
        ? ProblemDetailsExtensions.CodedProblem(
            StatusCodes.Status400BadRequest, InputErrors.InvalidParameter, "Invalid parameter",
            $"'limit' is between 1 and {MaxLimit}.", new Dictionary<string, object?> { ["parameter"] = "limit" })
        : null;

    /// <summary>The answer to a cursor the list did not issue.</summary>
    public static ProblemHttpResult CursorProblem() =>
        ProblemDetailsExtensions.CodedProblem(StatusCodes.Status400BadRequest, InvalidCursor, "Invalid cursor",
            "'cursor' takes the nextCursor value of the previous page of the same list, unchanged.",
            new Dictionary<string, object?> { ["parameter"] = "cursor" });
}

/// <summary>
/// The cursors of every list: opaque, URL-safe strings (base64url, no padding). A list ordered by a time carries
/// the time and the row's id, and the next page starts strictly after that pair, so rows that share a time are
/// never skipped nor repeated; a list ordered by a sequence carries the sequence.
/// </summary>
public static class PageCursor
{
    private const int TimeAndIdLength = 8 + 16;
    private const int SequenceLength = 8;
    private const int MaxLength = 64;

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

    private static byte[]? Bytes(string? cursor, int length)
    {
        if (string.IsNullOrEmpty(cursor)
            || cursor.Length > MaxLength
            || !cursor.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
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
