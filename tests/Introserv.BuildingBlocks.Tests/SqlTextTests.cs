using System.Globalization;
using Introserv.BuildingBlocks.Data;

namespace Introserv.BuildingBlocks.Tests;

public sealed class SqlTextTests
{
    [Fact]
    public void Joined_fragments_keep_every_value_as_a_parameter_in_order()
    {
        var id = Guid.NewGuid();
        var at = new DateTimeOffset(2027, 1, 2, 3, 4, 5, TimeSpan.Zero);

        var joined = SqlText.Join(
            $"INSERT INTO t (a, b) SELECT {id}, {"x'); DROP TABLE t; --"}",
            $"",
            $" FROM u WHERE c = {at} AND d = {42,5:D3}",
            $" AND e = {id}");

        Assert.Equal(
            "INSERT INTO t (a, b) SELECT {0}, {1} FROM u WHERE c = {2} AND d = {3,5:D3} AND e = {4}", joined.Format);
        Assert.Equal([id, "x'); DROP TABLE t; --", at, 42, id], joined.GetArguments());
        Assert.Equal(
            $"INSERT INTO t (a, b) SELECT {id}, x'); DROP TABLE t; -- FROM u WHERE c = {at} AND d =   042 AND e = {id}",
            joined.ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Escaped_braces_stay_text_and_are_not_taken_for_placeholders()
    {
        var joined = SqlText.Join($"SELECT '{{1}}'::jsonb, {7}", $" || '{{' || {8} || '}}'");

        Assert.Equal("SELECT '{{1}}'::jsonb, {0} || '{{' || {1} || '}}'", joined.Format);
        Assert.Equal("SELECT '{1}'::jsonb, 7 || '{' || 8 || '}'", joined.ToString(CultureInfo.InvariantCulture));
    }
}
