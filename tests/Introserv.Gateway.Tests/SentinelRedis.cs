using System.Diagnostics;
using System.Globalization;

namespace Introserv.Gateway.Tests;

// Redis with replication and Sentinel, of the test's own: a primary, a replica and three Sentinels (a quorum of
// two) that fail over within a few seconds of losing the primary, as deploy/README asks of production's Redis.
internal sealed class SentinelRedis : IDisposable
{
    public const string ServiceName = "introserv";

    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("introserv-sentinel-");

    public SentinelRedis()
    {
        Replica = new PrivateRedis(["--replicaof", "127.0.0.1", Text(Primary.Port)]);
        Sentinels = [.. Enumerable.Range(0, 3)
            .Select(i => new PrivateRedis(sentinelConfig: Path.Combine(_work.FullName, $"sentinel-{i}.conf")))];
    }

    public PrivateRedis Primary { get; } = new();

    public PrivateRedis Replica { get; }

    public IReadOnlyList<PrivateRedis> Sentinels { get; }

    // What a service is given: the Sentinels and the name of the primary they watch.
    public string ConnectionString =>
        string.Join(',', Sentinels.Select(s => $"127.0.0.1:{Text(s.Port)}")) +
        $",serviceName={ServiceName},abortConnect=false,connectTimeout=500";

    // Starts the servers, then the Sentinels, and waits until the Sentinels know the replica and each other.
    public async Task StartAsync()
    {
        Primary.Start();
        Replica.Start();
        await WaitForAsync(async () => (await CliAsync(Primary.Port, "INFO", "replication"))
            .Contains("connected_slaves:1", StringComparison.Ordinal), "the replica never connected");
        foreach (var sentinel in Sentinels)
        {
            await File.WriteAllTextAsync(sentinel.SentinelConfig!, string.Join('\n',
                $"sentinel monitor {ServiceName} 127.0.0.1 {Text(Primary.Port)} 2",
                $"sentinel down-after-milliseconds {ServiceName} 1000",
                $"sentinel failover-timeout {ServiceName} 5000",
                $"sentinel parallel-syncs {ServiceName} 1",
                ""));
            sentinel.Start();
        }

        await WaitForAsync(async () =>
        {
            var master = await CliAsync(Sentinels[0].Port, "SENTINEL", "master", ServiceName);
            return master.Contains("num-slaves\n1", StringComparison.Ordinal)
                && master.Contains("num-other-sentinels\n2", StringComparison.Ordinal);
        }, "the Sentinels never found the replica and each other");
    }

    // The port of the server the Sentinels call the primary now.
    public async Task<int> PrimaryPortAsync()
    {
        var answer = (await CliAsync(Sentinels[0].Port, "SENTINEL", "get-master-addr-by-name", ServiceName))
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return answer.Length == 2 ? int.Parse(answer[1], CultureInfo.InvariantCulture) : 0;
    }

    // Runs redis-cli against a port; what it printed (raw, one value a line).
    public static async Task<string> CliAsync(int port, params string[] command)
    {
        var start = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["-p", Text(port), "--raw", .. command])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("redis-cli did not start");
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output.Replace("\r", "", StringComparison.Ordinal);
    }

    public void Dispose()
    {
        foreach (var sentinel in Sentinels)
        {
            sentinel.Dispose();
        }

        Replica.Dispose();
        Primary.Dispose();
        _work.Delete(recursive: true);
    }

    private static string Text(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static async Task WaitForAsync(Func<Task<bool>> condition, string failure) =>
        Assert.True(await Eventually.TrueAsync(condition, TimeSpan.FromSeconds(30)), failure);
}
