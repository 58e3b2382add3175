using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Introserv.Identity.Contracts.Networking;

/// <summary>
/// A compiled allow-list: per address family, sorted and merged ranges, so a lookup is one binary
/// search (O(log n)). An empty list allows everything (no restriction).
/// </summary>
public sealed class IpAllowListMatcher
{
    // IPv4 ranges as 32-bit numbers (cheap comparisons, small arrays); IPv6 as 128-bit.
    private readonly uint[] _v4Starts;
    private readonly uint[] _v4Ends;
    private readonly UInt128[] _v6Starts;
    private readonly UInt128[] _v6Ends;

    private IpAllowListMatcher(IEnumerable<IpRange> ranges)
    {
        var (v4Starts, v4Ends) = Merge(ranges.Where(r => r.Family == AddressFamily.InterNetwork));
        _v4Starts = v4Starts.Select(v => (uint)v).ToArray();
        _v4Ends = v4Ends.Select(v => (uint)v).ToArray();
        (_v6Starts, _v6Ends) = Merge(ranges.Where(r => r.Family == AddressFamily.InterNetworkV6));
    }

    /// <summary>A matcher that allows every address.</summary>
    public static IpAllowListMatcher Unrestricted { get; } = new([]);

    /// <summary>Whether the list is empty, i.e. imposes no restriction.</summary>
    public bool IsUnrestricted => _v4Starts.Length == 0 && _v6Starts.Length == 0;

    /// <summary>The number of disjoint ranges after merging.</summary>
    public int RangeCount => _v4Starts.Length + _v6Starts.Length;

    /// <summary>Compiles parsed ranges.</summary>
    public static IpAllowListMatcher Create(IEnumerable<IpRange> ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        return new IpAllowListMatcher(ranges.ToList());
    }

    /// <summary>Compiles stored (already validated) entries; throws if one is malformed.</summary>
    public static IpAllowListMatcher FromEntries(IReadOnlyList<string> entries)
    {
        var parsed = IpAllowList.Parse(entries);
        if (!parsed.IsValid)
        {
            throw new FormatException(string.Join("; ", parsed.Errors.Select(e => e.Message)));
        }

        return Create(parsed.Ranges);
    }

    /// <summary>Whether the address may access the account. IPv4-mapped IPv6 addresses match IPv4 entries.</summary>
    public bool Allows(IPAddress? address)
    {
        if (IsUnrestricted)
        {
            return true;
        }

        if (address is null)
        {
            return false;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork || address.IsIPv4MappedToIPv6)
        {
            Span<byte> bytes = stackalloc byte[16];
            address.TryWriteBytes(bytes, out var written);
            // IPv4: 4 bytes; IPv4-mapped IPv6: the last 4 of 16.
            return Contains(_v4Starts, _v4Ends, BinaryPrimitives.ReadUInt32BigEndian(bytes[(written - 4)..written]));
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        var (_, value) = IpRange.ToNumber(address);
        return Contains(_v6Starts, _v6Ends, value);
    }

    private static bool Contains(uint[] starts, uint[] ends, uint value)
    {
        if (starts.Length == 0)
        {
            return false;
        }

        // Branch-free search for the last range starting at or before the value (the only candidate):
        // the loop runs log2(n) times with no unpredictable branch, so large lists stay cheap.
        var first = 0;
        var length = starts.Length;
        while (length > 1)
        {
            var half = length >> 1;
            first = starts[first + half] <= value ? first + half : first;
            length -= half;
        }

        return starts[first] <= value && value <= ends[first];
    }

    private static bool Contains(UInt128[] starts, UInt128[] ends, UInt128 value)
    {
        var index = Array.BinarySearch(starts, value);
        if (index < 0)
        {
            index = ~index - 1;
        }

        return index >= 0 && value <= ends[index];
    }

    private static (UInt128[] Starts, UInt128[] Ends) Merge(IEnumerable<IpRange> ranges)
    {
        var starts = new List<UInt128>();
        var ends = new List<UInt128>();
        foreach (var range in ranges.OrderBy(r => r.Start))
        {
            var last = ends.Count - 1;
            // Overlapping or adjacent ranges merge (mind the overflow at the top of the space).
            if (last >= 0 && (range.Start <= ends[last] || (ends[last] != UInt128.MaxValue && range.Start == ends[last] + 1)))
            {
                if (range.End > ends[last])
                {
                    ends[last] = range.End;
                }
            }
            else
            {
                starts.Add(range.Start);
                ends.Add(range.End);
            }
        }

        return (starts.ToArray(), ends.ToArray());
    }
}
