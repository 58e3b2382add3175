using Introserv.AllowList;

namespace Introserv.Gateway.Tests;

public sealed class IpAllowListTests
{
    private static IpAllowListMatcher Matcher(params string[] entries) => IpAllowListMatcher.FromEntries(entries);

    private static bool Allows(IpAllowListMatcher matcher, string address) => matcher.Allows(IPAddress.Parse(address));

    [Theory]
    [InlineData("203.0.113.7", "203.0.113.7")]
    [InlineData("  203.0.113.7  ", "203.0.113.7")]
    [InlineData("2001:DB8::1", "2001:db8::1")]
    [InlineData("::ffff:203.0.113.7", "203.0.113.7")]
    [InlineData("10.0.0.1-10.0.0.9", "10.0.0.1-10.0.0.9")]
    [InlineData("10.0.0.5-10.0.0.5", "10.0.0.5")]
    [InlineData("2001:db8::-2001:db8::ff", "2001:db8::-2001:db8::ff")]
    [InlineData("10.0.0.0/8", "10.0.0.0/8")]
    [InlineData("2001:db8::/32", "2001:db8::/32")]
    [InlineData("0.0.0.0/0", "0.0.0.0/0")]
    public void Valid_entries_are_normalized(string entry, string canonical)
    {
        Assert.True(IpAllowList.TryParseEntry(entry, out _, out var normalized, out var error), error);
        Assert.Equal(canonical, normalized);
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("10.0.0.9-10.0.0.1", "reversed")]
    [InlineData("10.0.0.1-2001:db8::1", "mixes IPv4 and IPv6")]
    [InlineData("10.0.0.256", "not a valid IPv4")]
    [InlineData("10.1", "not a valid IPv4")]
    [InlineData("0x7f.0.0.1", "not a valid IPv4")]
    [InlineData("010.0.0.1", "not a valid IPv4")]
    [InlineData("10.0.0.1.5", "not a valid IPv4")]
    [InlineData("example.com", "not a valid IPv4")]
    [InlineData("2001:db8::g", "not a valid IPv6")]
    [InlineData("fe80::1%eth0", "zone id")]
    [InlineData("10.0.0.0/33", "invalid prefix")]
    [InlineData("10.0.0.0/8a", "invalid prefix")]
    [InlineData("10.0.0.1/8", "host bits set; the network is 10.0.0.0/8")]
    [InlineData("10.0.0.1-10.0.0.2-10.0.0.3", "more than one '-'")]
    [InlineData("10.0.0.0/8-10.0.0.9", "mixes a range and a CIDR")]
    public void Malformed_entries_are_refused_with_a_reason(string entry, string reason)
    {
        Assert.False(IpAllowList.TryParseEntry(entry, out _, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_names_every_offending_entry_by_position()
    {
        var result = IpAllowList.Parse(["203.0.113.7", "bogus", "10.0.0.9-10.0.0.1"]);

        Assert.False(result.IsValid);
        Assert.Equal([1, 2], result.Errors.Select(e => e.Index));
        Assert.Equal("bogus", result.Errors[0].Entry);
    }

    [Fact]
    public void The_number_of_entries_is_limited()
    {
        var entries = Enumerable.Range(0, IpAllowList.MaxEntries + 1)
            .Select(i => $"10.0.{i / 256}.{i % 256}")
            .ToArray();

        Assert.True(IpAllowList.Parse(entries[..IpAllowList.MaxEntries]).IsValid);
        var tooMany = IpAllowList.Parse(entries);
        Assert.False(tooMany.IsValid);
        Assert.Contains($"At most {IpAllowList.MaxEntries}", tooMany.Errors.Single().Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_list_allows_everyone()
    {
        var matcher = Matcher();

        Assert.True(matcher.IsUnrestricted);
        Assert.True(Allows(matcher, "198.51.100.1"));
        Assert.True(Allows(matcher, "2001:db8::1"));
    }

    [Fact]
    public void Range_boundaries_are_inclusive()
    {
        var matcher = Matcher("10.0.0.10-10.0.0.20");

        Assert.False(Allows(matcher, "10.0.0.9"));
        Assert.True(Allows(matcher, "10.0.0.10"));
        Assert.True(Allows(matcher, "10.0.0.15"));
        Assert.True(Allows(matcher, "10.0.0.20"));
        Assert.False(Allows(matcher, "10.0.0.21"));
    }

    [Fact]
    public void Cidr_blocks_cover_exactly_their_network()
    {
        var matcher = Matcher("192.168.4.0/22");

        Assert.False(Allows(matcher, "192.168.3.255"));
        Assert.True(Allows(matcher, "192.168.4.0"));
        Assert.True(Allows(matcher, "192.168.7.255"));
        Assert.False(Allows(matcher, "192.168.8.0"));
    }

    [Fact]
    public void IPv4_mapped_IPv6_addresses_match_IPv4_entries_and_families_do_not_mix()
    {
        var matcher = Matcher("203.0.113.0/24");

        Assert.True(Allows(matcher, "::ffff:203.0.113.9"));
        Assert.False(Allows(matcher, "::ffff:203.0.114.9"));
        // An IPv6 address whose low 32 bits equal an allowed IPv4 address is another address.
        Assert.False(Allows(matcher, "::cb00:7109"));
        Assert.False(Allows(Matcher("2001:db8::/32"), "203.0.113.9"));
    }

    [Fact]
    public void IPv6_ranges_and_the_top_of_the_address_space_work()
    {
        var matcher = Matcher("2001:db8::1-2001:db8::ffff",
            "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0-ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "255.255.255.255");

        Assert.False(Allows(matcher, "2001:db8::"));
        Assert.True(Allows(matcher, "2001:db8::1"));
        Assert.True(Allows(matcher, "2001:db8::ffff"));
        Assert.False(Allows(matcher, "2001:db8::1:0"));
        Assert.True(Allows(matcher, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"));
        Assert.True(Allows(matcher, "255.255.255.255"));
        Assert.False(Allows(matcher, "255.255.255.254"));
    }

    [Fact]
    public void Overlapping_and_adjacent_ranges_merge()
    {
        var matcher = Matcher(
            "10.0.0.0-10.0.0.10", "10.0.0.5-10.0.0.20", "10.0.0.21-10.0.0.30", "10.0.1.0/24", "10.0.0.40");

        Assert.Equal(3, matcher.RangeCount);
        Assert.True(Allows(matcher, "10.0.0.25"));
        Assert.False(Allows(matcher, "10.0.0.31"));
        Assert.True(Allows(matcher, "10.0.0.40"));
        Assert.False(Allows(matcher, "10.0.0.39"));
        Assert.True(Allows(matcher, "10.0.1.200"));
    }

    [Fact]
    public void A_restricted_list_refuses_an_unknown_address()
    {
        Assert.False(Matcher("10.0.0.1").Allows(null));
    }

    [Fact]
    public void A_large_list_matches_like_a_linear_scan()
    {
        var random = new Random(42);
        var entries = new List<string>();
        var ranges = new List<(uint Start, uint End)>();
        for (var i = 0; i < IpAllowList.MaxEntries; i++)
        {
            var start = (uint)random.Next(0, int.MaxValue);
            var end = start + (uint)random.Next(0, 5000);
            ranges.Add((start, end));
            entries.Add($"{new IPAddress(BitConverter.GetBytes(start).Reverse().ToArray())}-" +
                $"{new IPAddress(BitConverter.GetBytes(end).Reverse().ToArray())}");
        }

        var matcher = Matcher([.. entries]);
        for (var i = 0; i < 5000; i++)
        {
            var probe = i % 2 == 0 ? (uint)random.Next(0, int.MaxValue) : ranges[i % ranges.Count].End - (uint)(i % 3);
            var expected = ranges.Any(r => probe >= r.Start && probe <= r.End);
            Assert.Equal(expected, matcher.Allows(new IPAddress(BitConverter.GetBytes(probe).Reverse().ToArray())));
        }
    }

    [Fact]
    public void An_indexed_long_list_matches_like_a_linear_scan_at_bucket_edges()
    {
        var random = new Random(11);
        var ranges = new List<(uint Start, uint End)>();
        for (var i = 0; i < 3000; i++)
        {
            var start = (uint)random.NextInt64(0, uint.MaxValue - 70_000);
            ranges.Add((start, start + (uint)random.Next(0, 70_000)));
        }

        ranges.Add((0, 5));
        ranges.Add((uint.MaxValue - 3, uint.MaxValue));
        ranges.Add((0x0FFF_FFF0, 0x1000_0010)); // across a bucket boundary
        var matcher = IpAllowListMatcher.Create(
            ranges.Select(r => new IpRange(System.Net.Sockets.AddressFamily.InterNetwork, r.Start, r.End)));
        static IPAddress Address(uint value) => new(BitConverter.GetBytes(value).Reverse().ToArray());

        var probes = Enumerable.Range(0, 20_000).Select(_ => (uint)random.NextInt64(0, uint.MaxValue + 1L))
            .Concat(ranges.SelectMany(r => new[] { r.Start, r.End, r.Start - 1, r.End + 1 }))
            .Concat(Enumerable.Range(0, 4096).SelectMany(b => new[] { (uint)b << 20, ((uint)b << 20) - 1 }));
        foreach (var probe in probes)
        {
            var expected = ranges.Any(r => probe >= r.Start && probe <= r.End);
            Assert.Equal(expected, matcher.Allows(Address(probe)));
        }
    }
}
