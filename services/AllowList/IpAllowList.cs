using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Introserv.AllowList;

// One rejected entry of an allow-list: its position, its text and why.
public sealed record IpAllowListError(int Index, string Entry, string Message);

// The result of parsing an allow-list: the normalized entries and their ranges, or the errors.
public sealed record IpAllowListParseResult(
    IReadOnlyList<string> Entries,
    IReadOnlyList<IpRange> Ranges,
    IReadOnlyList<IpAllowListError> Errors)
{
    public bool IsValid => Errors.Count == 0;
}

// The account IP allow-list format: one entry per item, each a single IPv4 or IPv6 address, an inclusive range a-b of
// one family, or a CIDR block. IPv4 is strictly dotted-quad decimal (no shorthand such as 10.1 or hexadecimal octets);
// IPv4-mapped IPv6 addresses count as IPv4; zone ids are refused.
public static partial class IpAllowList
{
    // The most entries one account may have.
    public const int MaxEntries = 100;

    // The longest entry accepted (a full IPv6 range with both ends spelled out fits).
    public const int MaxEntryLength = 100;

    // Parses and normalizes every entry; an empty list (no restriction) is valid.
    public static IpAllowListParseResult Parse(IReadOnlyList<string?> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var errors = new List<IpAllowListError>();
        var normalized = new List<string>(entries.Count);
        var ranges = new List<IpRange>(entries.Count);
        if (entries.Count > MaxEntries)
        {
            errors.Add(new IpAllowListError(
                MaxEntries, entries[MaxEntries] ?? "", $"At most {MaxEntries} entries are allowed."));
            return new IpAllowListParseResult([], [], errors);
        }

        for (var i = 0; i < entries.Count; i++)
        {
            var text = entries[i] ?? "";
            if (TryParseEntry(text, out var range, out var canonical, out var error))
            {
                ranges.Add(range);
                normalized.Add(canonical);
            }
            else
            {
                errors.Add(new IpAllowListError(i, text, error));
            }
        }

        return new IpAllowListParseResult(normalized, ranges, errors);
    }

    // Parses one entry into its range and canonical text, or explains what is wrong with it.
    public static bool TryParseEntry(string text, out IpRange range, out string canonical, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        range = default;
        canonical = "";
        var entry = text.Trim();
        if (entry.Length == 0)
        {
            error = "The entry is empty.";
            return false;
        }

        if (entry.Length > MaxEntryLength)
        {
            error = $"The entry is longer than {MaxEntryLength} characters.";
            return false;
        }

        var slash = entry.IndexOf('/', StringComparison.Ordinal);
        var dash = entry.IndexOf('-', StringComparison.Ordinal);
        if (slash >= 0 && dash >= 0)
        {
            error = $"'{entry}' mixes a range and a CIDR prefix.";
            return false;
        }

        if (dash >= 0)
        {
            return TryParseRange(entry, dash, out range, out canonical, out error);
        }

        if (slash >= 0)
        {
            return TryParseCidr(entry, slash, out range, out canonical, out error);
        }

        if (!TryParseAddress(entry, out var address, out error))
        {
            return false;
        }

        var (family, value) = IpRange.ToNumber(address);
        range = new IpRange(family, value, value);
        canonical = Canonical(address);
        return true;
    }

    // Parses one address strictly (see the class remarks).
    public static bool TryParseAddress(string text, out IPAddress address, out string error)
    {
        ArgumentNullException.ThrowIfNull(text);
        address = IPAddress.None;
        var value = text.Trim();
        if (value.Contains('%', StringComparison.Ordinal))
        {
            error = $"'{value}' has a zone id; zone ids are not allowed.";
            return false;
        }

        if (value.Contains(':', StringComparison.Ordinal))
        {
            if (!IPAddress.TryParse(value, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
            {
                error = $"'{value}' is not a valid IPv6 address.";
                return false;
            }

            address = v6.IsIPv4MappedToIPv6 ? v6.MapToIPv4() : v6;
            error = "";
            return true;
        }

        var match = DottedQuad().Match(value);
        if (!match.Success || !Enumerable.Range(1, 4).All(g => IsOctet(match.Groups[g].Value)))
        {
            error = $"'{value}' is not a valid IPv4 address (four decimal numbers 0-255 separated by dots).";
            return false;
        }

        address = IPAddress.Parse(value);
        error = "";
        return true;
    }

    private static bool TryParseRange(string entry, int dash, out IpRange range, out string canonical, out string error)
    {
        range = default;
        canonical = "";
        var startText = entry[..dash];
        var endText = entry[(dash + 1)..];
        if (endText.Contains('-', StringComparison.Ordinal))
        {
            error = $"'{entry}' has more than one '-'.";
            return false;
        }

        if (!TryParseAddress(startText, out var start, out error) || !TryParseAddress(endText, out var end, out error))
        {
            error = $"In range '{entry}': {error}";
            return false;
        }

        var (startFamily, startValue) = IpRange.ToNumber(start);
        var (endFamily, endValue) = IpRange.ToNumber(end);
        if (startFamily != endFamily)
        {
            error = $"Range '{entry}' mixes IPv4 and IPv6.";
            return false;
        }

        if (startValue > endValue)
        {
            error = $"Range '{entry}' is reversed: its start is after its end.";
            return false;
        }

        range = new IpRange(startFamily, startValue, endValue);
        canonical = startValue == endValue ? Canonical(start) : $"{Canonical(start)}-{Canonical(end)}";
        return true;
    }

    private static bool TryParseCidr(string entry, int slash, out IpRange range, out string canonical, out string error)
    {
        range = default;
        canonical = "";
        if (!TryParseAddress(entry[..slash], out var network, out error))
        {
            error = $"In '{entry}': {error}";
            return false;
        }

        var (family, value) = IpRange.ToNumber(network);
        var bits = family == AddressFamily.InterNetwork ? 32 : 128;
        var prefixText = entry[(slash + 1)..].Trim();
        if (!PrefixDigits().IsMatch(prefixText)
            || !int.TryParse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture, out var prefix)
            || prefix > bits)
        {
            error = $"'{entry}' has an invalid prefix length (0-{bits}).";
            return false;
        }

        var hostBits = bits - prefix;
        var hostMask = hostBits == 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - 1;
        if ((value & hostMask) != 0)
        {
            var start = value & ~hostMask;
            error = $"'{entry}' has host bits set; the network is {Canonical(family, start)}/{prefix}.";
            return false;
        }

        range = new IpRange(family, value, value | hostMask);
        canonical = $"{Canonical(network)}/{prefix}";
        error = "";
        return true;
    }

    private static bool IsOctet(string text) =>
        text.Length <= 3
            && (text.Length == 1 || text[0] != '0')
            && int.Parse(text, CultureInfo.InvariantCulture) <= 255;

    private static string Canonical(IPAddress address) => address.ToString();

    private static string Canonical(AddressFamily family, UInt128 value)
    {
        var length = family == AddressFamily.InterNetwork ? 4 : 16;
        var bytes = new byte[length];
        for (var i = length - 1; i >= 0; i--)
        {
            bytes[i] = (byte)(value & 0xFF);
            value >>= 8;
        }

        return new IPAddress(bytes).ToString();
    }

    [GeneratedRegex(@"^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$")]
    private static partial Regex DottedQuad();

    [GeneratedRegex("^[0-9]{1,3}$")]
    private static partial Regex PrefixDigits();
}
