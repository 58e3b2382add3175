using System.Net;
using System.Net.Sockets;

namespace Introserv.AllowList;

// An inclusive range of addresses of one family, as 128-bit numbers (IPv4 in the low 32 bits).
public readonly record struct IpRange(AddressFamily Family, UInt128 Start, UInt128 End)
{
    // The address as a number, with IPv4-mapped IPv6 addresses folded to IPv4.
    public static (AddressFamily Family, UInt128 Value) ToNumber(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
        {
            throw new ArgumentException("Unsupported address.", nameof(address));
        }

        UInt128 value = 0;
        for (var i = 0; i < written; i++)
        {
            value = (value << 8) | bytes[i];
        }

        return (address.AddressFamily, value);
    }
}
