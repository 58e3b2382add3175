using System.Diagnostics;
using Introserv.BuildingBlocks.Messaging;

namespace Introserv.BuildingBlocks.Tests.Messaging;

// Takes the shared broker away for a while, so it runs alone (no other test in parallel).
[Collection(BrokerOutageDefinition.Name)]
public sealed class BrokerOutageTests : IAsyncLifetime
{
    private readonly MessagingHost _host = new();

    public Task InitializeAsync() => _host.InitializeAsync();

    public Task DisposeAsync() => _host.DisposeAsync();

    [Fact]
    public async Task Events_committed_while_the_broker_is_down_all_arrive_exactly_once_after_it_returns()
    {
        var probes = Enumerable.Range(0, 1000)
            .Select(i => new OutageProbeHappened(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid(), i))
            .ToList();

        await CommitInChunksAsync(probes.Take(300));
        await BrokerAsync("pause-broker");
        try
        {
            await CommitInChunksAsync(probes.Skip(300).Take(400));
            await Task.Delay(TimeSpan.FromSeconds(3)); // the dispatcher keeps failing and backing off meanwhile
        }
        finally
        {
            await BrokerAsync("resume-broker");
        }

        await CommitInChunksAsync(probes.Skip(700));

        var arrived = await Eventually.TrueAsync(
            async () => await _host.CountEffectsAsync("outage") >= probes.Count, TimeSpan.FromSeconds(120));
        Assert.True(arrived, $"only {await _host.CountEffectsAsync("outage")} of {probes.Count} events arrived");

        // All arrived; a duplicate would be a redelivery still under way: give it a second to land before counting.
        await Task.Delay(1000);
        var perSequence = await _host.QueryAsync(db => db.Effects
            .Where(e => e.Kind == "outage")
            .GroupBy(e => e.Sequence)
            .Select(g => new { Sequence = g.Key, Count = g.Count() })
            .ToListAsync());
        Assert.Equal(probes.Count, perSequence.Count);
        Assert.All(perSequence, s => Assert.Equal(1, s.Count));
        // An outage is not the rows' fault: it counts no attempts and dead-letters nothing.
        Assert.Equal(0, await _host.QueryAsync(db => db.Set<OutboxMessage>().CountAsync(m => m.Attempts > 0)));
        Assert.Equal(0, await _host.QueryAsync(db => db.Set<OutboxDeadLetter>().CountAsync()));
    }

    private Task CommitInChunksAsync(IEnumerable<OutageProbeHappened> probes) =>
        Parallel.ForEachAsync(probes.Chunk(25), new ParallelOptions { MaxDegreeOfParallelism = 4 },
            async (chunk, _) => await _host.CommitAsync(chunk.Cast<object>().ToArray()));

    private static async Task BrokerAsync(string command)
    {
        var script = Path.Combine(LocalInfra.RepositoryRoot, "deploy", "local", "infra.sh");
        using var process = Process.Start(new ProcessStartInfo("bash", [script, command]) { UseShellExecute = false })!;
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
    }
}
