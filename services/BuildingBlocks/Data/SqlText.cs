using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Introserv.BuildingBlocks.Data;

// Joins interpolated SQL fragments into one statement whose values all stay parameters: each fragment's placeholders
// are renumbered after those of the fragments before it, and its escaped braces stay escaped.
public static class SqlText
{
    public static FormattableString Join(params FormattableString[] fragments)
    {
        ArgumentNullException.ThrowIfNull(fragments);
        var format = new StringBuilder();
        var arguments = new List<object?>();
        foreach (var fragment in fragments)
        {
            ArgumentNullException.ThrowIfNull(fragment);
            AppendRenumbered(format, fragment.Format, arguments.Count);
            arguments.AddRange(fragment.GetArguments());
        }

        return FormattableStringFactory.Create(format.ToString(), [.. arguments]);
    }

    private static void AppendRenumbered(StringBuilder format, string fragment, int offset)
    {
        for (var i = 0; i < fragment.Length; i++)
        {
            var c = fragment[i];
            if (c == '{' && i + 1 < fragment.Length && fragment[i + 1] == '{')
            {
                format.Append("{{");
                i++;
            }
            else if (c == '{')
            {
                // A placeholder: "{index" then its alignment or format and the closing brace, copied as they are.
                var end = i + 1;
                while (end < fragment.Length && char.IsAsciiDigit(fragment[end]))
                {
                    end++;
                }

                var index = int.Parse(fragment.AsSpan(i + 1, end - i - 1), CultureInfo.InvariantCulture);
                format.Append('{').Append(index + offset);
                i = end - 1;
            }
            else
            {
                format.Append(c);
            }
        }
    }
}
