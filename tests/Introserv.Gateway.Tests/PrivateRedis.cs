using System.Diagnostics;
using System.Net.Sockets;

namespace Introserv.Gateway.Tests;

// A Redis server of the test's own (not the shared one), so a drill can stop and restart it.
internal sealed class PrivateRedis : IDisposable
{
    private readonly string[] _arguments;
    private Process? _process;

    // A server with more arguments after the port ("--replicaof", ...), or, with sentinelConfig, a Sentinel whose
    // configuration file it is (Sentinel rewrites it as it learns).
    public PrivateRedis(IEnumerable<string>? arguments = null, string? sentinelConfig = null)
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        Port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        SentinelConfig = sentinelConfig;
        _arguments = [.. arguments ?? []];
    }

    public string? SentinelConfig { get; }

    public int Port { get; }

    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=500";

    public void Start()
    {
        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        var port = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        string[] arguments = SentinelConfig is null
            ? ["--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", .. _arguments]
            : [SentinelConfig, "--sentinel", "--port", port, "--bind", "127.0.0.1", .. _arguments];
        foreach (var arg in arguments)
        {
            start.ArgumentList.Add(arg);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        _process.OutputDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!Answers())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"redis-server on {Port} did not answer");
            }

            Thread.Sleep(50);
        }
    }

    // Kills the server at once, as a crash would.
    public void Stop()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process?.Dispose();
        _process = null;
    }

    public void Dispose() => Stop();

    private bool Answers()
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
