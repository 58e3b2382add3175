using System.Net;
using BenchmarkDotNet.Attributes;
using Introserv.AllowList;

namespace Introserv.Bench.Gateway;

// The gateway's allow-list lookup: its cost must grow with log(n), not n (target: 10,000 ranges < 2 × 1).
[MemoryDiagnoser]
[InProcess]
public class MatcherBenchmarks
{
    private IpAllowListMatcher _matcher = null!;
    private IPAddress[] _probes = [];

    [Params(1, 10_000)]
    public int Ranges { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(7);
        var ranges = new List<IpRange>();
        for (var i = 0; i < Ranges; i++)
        {
            // Disjoint ranges spread over the IPv4 space.
            var start = (UInt128)(uint)(i * (uint.MaxValue / (uint)Ranges));
            ranges.Add(new IpRange(System.Net.Sockets.AddressFamily.InterNetwork, start, start + 10));
        }

        _matcher = IpAllowListMatcher.Create(ranges);
        _probes = Enumerable.Range(0, 1024).Select(_ => new IPAddress(BitConverter.GetBytes(random.Next()))).ToArray();
    }

    [Benchmark(OperationsPerInvoke = 1024)]
    public int Lookup()
    {
        var allowed = 0;
        foreach (var probe in _probes)
        {
            if (_matcher.Allows(probe))
            {
                allowed++;
            }
        }

        return allowed;
    }
}
