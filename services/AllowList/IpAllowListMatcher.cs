using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Introserv.AllowList;

// A compiled allow-list: per address family, sorted and merged ranges, so a lookup is one binary
// search (O(log n)); long IPv4 lists also get an index of the ranges per 1/4096 of the address space, so
// the search only covers the ranges near the address. An empty list allows everything (no restriction).
public sealed class IpAllowListMatcher
{
    // IPv4 ranges as 32-bit numbers (cheap comparisons, small arrays); IPv6 as 128-bit.
    private readonly uint[] _v4Starts;
    private readonly uint[] _v4Ends;
    private readonly UInt128[] _v6Starts;
    private readonly UInt128[] _v6Ends;

    // For long IPv4 lists: _v4Buckets[b] = how many ranges start before address b << BucketShift.
    private const int BucketShift = 20;
    private const int IndexedFrom = 32;
    private readonly int[]? _v4Buckets;

    private IpAllowListMatcher(IEnumerable<IpRange> ranges)
    {
        var (v4Starts, v4Ends) = Merge(ranges.Where(r => r.Family == AddressFamily.InterNetwork));
        _v4Starts = v4Starts.Select(v => (uint)v).ToArray();
        _v4Ends = v4Ends.Select(v => (uint)v).ToArray();
        (_v6Starts, _v6Ends) = Merge(ranges.Where(r => r.Family == AddressFamily.InterNetworkV6));
        if (_v4Starts.Length >= IndexedFrom)
        {
            var buckets = (1 << (32 - BucketShift)) + 1;
            _v4Buckets = new int[buckets];
            var index = 0;
            for (var bucket = 0; bucket < buckets; bucket++)
            {
                var boundary = (ulong)bucket << BucketShift;
                while (index < _v4Starts.Length && _v4Starts[index] < boundary)
                {
                    index++;
                }

                _v4Buckets[bucket] = index;
            }
        }
    }

    public static IpAllowListMatcher Unrestricted { get; } = new([]);

    // Whether the list is empty, i.e. imposes no restriction.
    public bool IsUnrestricted => _v4Starts.Length == 0 && _v6Starts.Length == 0;

    // The number of disjoint ranges after merging.
    public int RangeCount => _v4Starts.Length + _v6Starts.Length;

    // Compiles parsed ranges.
    public static IpAllowListMatcher Create(IEnumerable<IpRange> ranges)
    {
        ArgumentNullException.ThrowIfNull(ranges);
        return new IpAllowListMatcher(ranges.ToList());
    }

    // Compiles stored (already validated) entries; throws if one is malformed.
    public static IpAllowListMatcher FromEntries(IReadOnlyList<string> entries)
    {
        var parsed = IpAllowList.Parse(entries);
        if (!parsed.IsValid)
        {
            throw new FormatException(string.Join("; ", parsed.Errors.Select(e => e.Message)));
        }

        return Create(parsed.Ranges);
    }

    // Whether the address may access the account. IPv4-mapped IPv6 addresses match IPv4 entries.
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
            return ContainsV4(BinaryPrimitives.ReadUInt32BigEndian(bytes[(written - 4)..written]));
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return false;
        }

        var (_, value) = IpRange.ToNumber(address);
        return Contains(_v6Starts, _v6Ends, value);
    }

    private bool ContainsV4(uint value)
    {
        // The candidate is the last range starting at or before the value. With the index, it lies between
        // the last range starting before the value's bucket and the last one starting inside it.
        int first, length;
        if (_v4Buckets is { } buckets)
        {
            var bucket = (int)(value >> BucketShift);
            first = Math.Max(buckets[bucket] - 1, 0);
            length = buckets[bucket + 1] - first;
        }
        else
        {
            first = 0;
            length = _v4Starts.Length;
        }

        if (length <= 0)
        {
            return false;
        }

        // Branch-free binary search: log2(length) steps with no unpredictable branch.
        var starts = _v4Starts;
        while (length > 1)
        {
            var half = length >> 1;
            first = starts[first + half] <= value ? first + half : first;
            length -= half;
        }

        return starts[first] <= value && value <= _v4Ends[first];
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
            if (last >= 0
                && (range.Start <= ends[last] || (ends[last] != UInt128.MaxValue && range.Start == ends[last] + 1)))
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
