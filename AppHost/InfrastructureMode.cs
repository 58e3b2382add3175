using System.Diagnostics;
using Microsoft.Extensions.Configuration;

namespace Introserv.AppHost;

/// <summary>Where PostgreSQL, Redis and RabbitMQ come from.</summary>
public enum InfrastructureMode
{
    /// <summary>Aspire container resources (needs a healthy container runtime).</summary>
    Containers,

    /// <summary>Servers from the machine's own packages, started by <c>deploy/local/infra.sh</c>.</summary>
    Local,
}

public static class InfrastructureModeResolver
{
    /// <summary>
    /// <c>Infra:Mode</c> = <c>containers</c> | <c>local</c> | <c>auto</c> (default). Auto picks containers
    /// only when a container runtime answers; without one, Aspire's container resources never become
    /// healthy and everything waiting on them would hang.
    /// </summary>
    public static InfrastructureMode Resolve(IConfiguration configuration)
    {
        var configured = configuration["Infra:Mode"]?.Trim().ToLowerInvariant();
        return configured switch
        {
            "containers" or "container" => InfrastructureMode.Containers,
            "local" => InfrastructureMode.Local,
            null or "" or "auto" => ContainerRuntimeIsHealthy(configuration) ? InfrastructureMode.Containers : InfrastructureMode.Local,
            _ => throw new InvalidOperationException($"Infra:Mode must be 'auto', 'containers' or 'local', not '{configured}'."),
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
