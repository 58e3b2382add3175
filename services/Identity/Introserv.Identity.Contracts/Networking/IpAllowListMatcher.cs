using System.Net;
using System.Net.Sockets;

namespace Introserv.Identity.Contracts.Networking;

/// <summary>
/// A compiled allow-list: per address family, sorted and merged ranges, so a lookup is one binary
/// search (O(log n)). An empty list allows everything (no restriction).
/// </summary>
public sealed class IpAllowListMatcher
{
    private readonly UInt128[] _v4Starts;
    private readonly UInt128[] _v4Ends;
    private readonly UInt128[] _v6Starts;
    private readonly UInt128[] _v6Ends;

    private IpAllowListMatcher(IEnumerable<IpRange> ranges)
    {
        (_v4Starts, _v4Ends) = Merge(ranges.Where(r => r.Family == AddressFamily.InterNetwork));
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

        var (family, value) = IpRange.ToNumber(address);
        return family switch
        {
            AddressFamily.InterNetwork => Contains(_v4Starts, _v4Ends, value),
            AddressFamily.InterNetworkV6 => Contains(_v6Starts, _v6Ends, value),
            _ => false,
        };
    }

    private static bool Contains(UInt128[] starts, UInt128[] ends, UInt128 value)
    {
        // The last range starting at or before the value is the only candidate.
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
