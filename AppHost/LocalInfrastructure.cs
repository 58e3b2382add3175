using System.Diagnostics;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Introserv.AppHost;

// PostgreSQL, Redis and RabbitMQ from the machine's own packages. deploy/local/infra.sh start starts them
// (idempotently) and writes their connection settings; the AppHost references them as connection strings. Servers
// started by a script proved sturdier than executable resources: DCP stops executables with SIGTERM and then kills
// them, and PostgreSQL's SIGTERM waits for its clients.
public static class LocalInfrastructure
{
    public static void Prepare(IDistributedApplicationBuilder builder)
    {
        var scriptPath = Path.GetFullPath(Path.Combine(builder.AppHostDirectory, "..", "deploy", "local", "infra.sh"));
        var settingsFile = builder.Configuration["Infra:Local:SettingsFile"] ?? DefaultSettingsFile();

        if (builder.Configuration.GetValue("Infra:Local:AutoStart", true))
        {
            RunScript(scriptPath, "start");
        }

        if (!File.Exists(settingsFile))
        {
            throw new InvalidOperationException(
                $"Local infrastructure settings not found at '{settingsFile}'. Run '{scriptPath} start' first.");
        }

        // Explicit settings (environment, command line) keep precedence over the generated file.
        var explicitSettings = builder.Configuration.GetSection("Infra:Local").AsEnumerable().ToList();
        builder.Configuration.AddJsonFile(settingsFile, optional: false, reloadOnChange: false);
        builder.Configuration.AddInMemoryCollection(explicitSettings.Where(kv => kv.Value is not null));
    }

    // A connection-string resource with a TCP health check, so WaitFor has something to wait for.
    public static IResourceBuilder<IResourceWithConnectionString> AddServer(
        IDistributedApplicationBuilder builder, string name, string connectionString, int port)
    {
        builder.Configuration[$"ConnectionStrings:{name}"] = connectionString;
        var healthCheckKey = $"{name}-tcp";
        builder.Services.AddHealthChecks().AddAsyncCheck(healthCheckKey, ct => TcpCheck(port, ct));
        return builder.AddConnectionString(name).WithHealthCheck(healthCheckKey);
    }

    private static async Task<HealthCheckResult> TcpCheck(int port, CancellationToken cancellationToken)
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await client.ConnectAsync("127.0.0.1", port, timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy($"Nothing listens on 127.0.0.1:{port}", ex);
        }
    }

    private static string DefaultSettingsFile() => Path.Combine(StateDirectory(), "connections.json");

    // Where local runs keep their state (data, settings, development keys), outside the source tree.
    public static string StateDirectory()
    {
        var dir = Environment.GetEnvironmentVariable("INTROSERV_INFRA_DIR");
        return string.IsNullOrEmpty(dir) ? Path.Combine("/var/tmp", $"introserv-{Environment.UserName}") : dir;
    }

    private static void RunScript(string scriptPath, string command)
    {
        var startInfo = new ProcessStartInfo("bash", [scriptPath, command])
        {
            UseShellExecute = false,
            RedirectStandardOutput = false,
            RedirectStandardError = false,
        };
        using var process = Process.Start(startInfo)
            ?? throw new InvalidOperationException($"Could not run {scriptPath}");
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"'{scriptPath} {command}' did not finish within 3 minutes.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"'{scriptPath} {command}' failed with exit code {process.ExitCode}. " +
                $"If the servers are not installed, run '{scriptPath} install' (needs root or sudo).");
        }
    }
}
