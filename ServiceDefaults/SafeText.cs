using System.Text.Json;
using System.Text.Json.Serialization;

namespace Introserv.ServiceDefaults;

/// <summary>
/// Characters no input of the API has a use for: C0 and C1 control characters other than tab, line feed and
/// carriage return (a NUL byte is also refused by PostgreSQL), and the Unicode bidirectional overrides and isolates
/// (U+202A–U+202E, U+2066–U+2069) that make text display differently from what it is. Every JSON string a service
/// reads and every route and query value is checked; a request carrying one is a 400 problem naming the field.
/// </summary>
public static class SafeText
{
    /// <summary>Whether <paramref name="value"/> holds a character the API refuses.</summary>
    public static bool HasForbiddenCharacter(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (IsForbidden(c))
            {
                return true;
            }
        }

        return false;
    }

    public static bool IsForbidden(char c) =>
        (c < ' ' && c is not '\t' and not '\n' and not '\r')
        || c is >= '\u007f' and <= '\u009f'
        || c is >= '\u202a' and <= '\u202e'
        || c is >= '\u2066' and <= '\u2069';

    /// <summary>The JSON string converter every service reads requests with.</summary>
    public sealed class Converter : JsonConverter<string>
    {
        public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var value = reader.GetString();
            return value is not null && HasForbiddenCharacter(value)
                ? throw new JsonException("The text contains a control or bidirectional-override character.")
                : value;
        }

        public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options)
        {
            ArgumentNullException.ThrowIfNull(writer);
            writer.WriteStringValue(value);
        }
    }
}
