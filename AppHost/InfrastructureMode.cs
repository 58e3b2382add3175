using System.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace Introserv.AppHost;

// Where PostgreSQL, Redis and RabbitMQ come from.
public enum InfrastructureMode
{
    // Aspire container resources (needs a healthy container runtime).
    Containers,

    // Servers from the machine's own packages, started by deploy/local/infra.sh.
    Local,
}

public static class InfrastructureModeResolver
{
    // Infra:Mode = containers | local | auto (default). Auto picks containers only when a container runtime answers;
    // without one, Aspire's container resources never become healthy and everything waiting on them would hang.
    public static InfrastructureMode Resolve(IConfiguration configuration)
    {
        var configured = configuration["Infra:Mode"]?.Trim().ToLowerInvariant();
        return configured switch
        {
            "containers" or "container" => InfrastructureMode.Containers,
            "local" => InfrastructureMode.Local,
            null or "" or "auto" =>
                ContainerRuntimeIsHealthy(configuration) ? InfrastructureMode.Containers : InfrastructureMode.Local,
            _ => throw new InvalidOperationException(
                $"Infra:Mode must be 'auto', 'containers' or 'local', not '{configured}'."),
        };
    }

    private static bool ContainerRuntimeIsHealthy(IConfiguration configuration)
    {
        // Aspire honours ASPIRE_CONTAINER_RUNTIME; default docker.
        var runtime = configuration["ASPIRE_CONTAINER_RUNTIME"] ?? "docker";
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, "info --format {{.ServerVersion}}")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return false;
            }

            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // no such executable
        }
    }
}
