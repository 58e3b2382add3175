using Microsoft.AspNetCore.Http;

namespace Introserv.BuildingBlocks.Tests;

public sealed class PagingTests
{
    [Theory]
    [InlineData("2027-06-15T12:00:00.123456+00:00")]
    [InlineData("0001-01-01T00:00:00+00:00")]
    public void A_cursor_round_trips_and_is_url_safe(string at)
    {
        var time = DateTimeOffset.Parse(at, System.Globalization.CultureInfo.InvariantCulture);
        var id = Guid.CreateVersion7();

        var cursor = PageCursor.Encode(time, id);

        Assert.Matches("^[A-Za-z0-9_-]+$", cursor);
        Assert.True(PageCursor.TryDecode(cursor, out var decodedAt, out var decodedId));
        Assert.Equal((time, id), (decodedAt, decodedId));
        Assert.True(PageCursor.TryDecode(PageCursor.Encode(42), out long sequence));
        Assert.Equal(42, sequence);
    }

    [Theory]
    [InlineData("2027-06-15T12:00:00+00:00")]
    [InlineData("not a cursor")]
    [InlineData("AAAA")]
    [InlineData("")]
    [InlineData("____________________________________________")]
    public void A_bad_cursor_is_refused(string cursor)
    {
        Assert.False(PageCursor.TryDecode(cursor, out _, out _));
        Assert.False(PageCursor.TryDecode(cursor, out long _));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(101)]
    [InlineData(int.MaxValue)]
    public void A_limit_out_of_range_is_an_invalid_parameter_never_a_silent_cap(int limit)
    {
        var query = new PageQuery { Limit = limit };

        Assert.False(query.TryRead(out long? _, out var problem));
        Assert.Equal(StatusCodes.Status400BadRequest, problem.StatusCode);
        Assert.Equal(("invalid_parameter", "limit"),
            (problem.ProblemDetails.Extensions["code"], problem.ProblemDetails.Extensions["parameter"]));
    }

    [Fact]
    public void A_cursor_of_another_kind_of_list_is_refused()
    {
        var byTime = new PageQuery { Cursor = PageCursor.Encode(DateTimeOffset.UtcNow, Guid.NewGuid()) };
        var bySequence = new PageQuery { Cursor = PageCursor.Encode(7) };

        Assert.False(byTime.TryRead(out long? _, out var timeProblem));
        Assert.False(bySequence.TryRead(out (DateTimeOffset, Guid)? _, out var sequenceProblem));
        Assert.Equal(PageQuery.InvalidCursor, timeProblem.ProblemDetails.Extensions["code"]);
        Assert.Equal(PageQuery.InvalidCursor, sequenceProblem.ProblemDetails.Extensions["code"]);
    }

    [Theory]
    [InlineData(5, 3)]
    [InlineData(3, 3)]
    [InlineData(0, 3)]
    public void A_page_holds_at_most_limit_items_and_a_cursor_only_when_more_follow(int rows, int limit)
    {
        var query = new PageQuery { Limit = limit };
        var read = Enumerable.Range(1, Math.Min(rows, limit + 1)).Select(i => (long)(100 - i)).ToList();

        var page = query.PageOf(read, PageCursor.Encode);

        Assert.Equal(Math.Min(rows, limit), page.Items.Count);
        if (rows > limit)
        {
            Assert.True(PageCursor.TryDecode(page.NextCursor, out long last));
            Assert.Equal(page.Items[^1], last);
        }
        else
        {
            Assert.Null(page.NextCursor);
        }
    }

    [Fact]
    public void No_limit_reads_the_default_page()
    {
        var query = new PageQuery();

        Assert.True(query.TryRead(out long? before, out _));
        Assert.Null(before);
        Assert.Equal(PageQuery.DefaultLimit, query.Take);
    }
}
