using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Sockets;

namespace Introserv.Orders.Features.Inventory;

// A run of consecutive addresses of one family: 203.0.113.10-203.0.113.250, or one address. Only addresses
// a server can be reached at are accepted (not loopback, link-local, multicast, broadcast, unspecified or
// IPv4-mapped), at most MaxCount per range, and they are kept in their canonical text form.
public sealed record AddressRange(IPAddress First, IPAddress Last)
{
    public const int MaxCount = 4096;

    public int Count => (int)(Number(Last) - Number(First)) + 1;

    public static bool TryParse(string? text, [NotNullWhen(true)] out AddressRange? range, out string error)
    {
        range = null;
        var parts = (text ?? "").Split('-', 2, StringSplitOptions.TrimEntries);
        if (parts[0].Length == 0)
        {
            error = "An address or a range such as 203.0.113.10-203.0.113.250.";
            return false;
        }

        if (!TryAddress(parts[0], out var first, out error))
        {
            return false;
        }

        var last = first;
        if (parts.Length == 2 && !TryAddress(parts[1], out last, out error))
        {
            return false;
        }

        if (first.AddressFamily != last.AddressFamily)
        {
            error = "Both ends of a range are of one family (IPv4 or IPv6).";
            return false;
        }

        if (Number(last) < Number(first))
        {
            error = "A range runs from its lower address to its higher one.";
            return false;
        }

        if (Number(last) - Number(first) >= MaxCount)
        {
            error = $"At most {MaxCount} addresses per range.";
            return false;
        }

        range = new AddressRange(first, last);
        error = "";
        return true;
    }

    // The canonical form of one address, or null when it is not an address a service can have.
    public static string? Canonical(string? text) =>
        TryAddress(text ?? "", out var address, out _) ? address.ToString() : null;

    public IEnumerable<string> Addresses()
    {
        var bytes = First.GetAddressBytes().Length;
        for (var n = Number(First); n <= Number(Last); n++)
        {
            var buffer = new byte[16];
            BinaryPrimitives.WriteUInt128BigEndian(buffer, n);
            yield return new IPAddress(buffer.AsSpan(16 - bytes)).ToString();
        }
    }

    private static UInt128 Number(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        var buffer = new byte[16];
        bytes.CopyTo(buffer, 16 - bytes.Length);
        return BinaryPrimitives.ReadUInt128BigEndian(buffer);
    }

    private static bool TryAddress(string text, out IPAddress address, out string error)
    {
        error = $"'{(text.Length > 45 ? text[..45] + "…" : text)}' is not an IPv4 or IPv6 address " +
            "a service can have.";
        if (text.Length > 45 || !IPAddress.TryParse(text, out address!) || text.Contains('%', StringComparison.Ordinal))
        {
            address = IPAddress.None;
            return false;
        }

        // IPv4 only in its dotted-quad form ("10.1" and "010.0.0.1" parse too, as other addresses).
        var usable = address.AddressFamily switch
        {
            AddressFamily.InterNetwork => address.ToString() == text && address.GetAddressBytes() is var b
                && b[0] is not (0 or 127) && b[0] < 224 && !(b[0] == 169 && b[1] == 254),
            AddressFamily.InterNetworkV6 => !IPAddress.IsLoopback(address) && !address.Equals(IPAddress.IPv6None)
                && !address.IsIPv6LinkLocal && !address.IsIPv6Multicast && !address.IsIPv4MappedToIPv6
                && !address.IsIPv6SiteLocal,
            _ => false,
        };
        if (!usable)
        {
            address = IPAddress.None;
            return false;
        }

        return true;
    }
}
