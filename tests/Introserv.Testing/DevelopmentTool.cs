using System.Diagnostics;

namespace Introserv.Testing;

// A development tool (payments-dev, telephony-dev) started as its own process, as a deployment would start it.
public static class DevelopmentTool
{
    // Starts the tool's assembly (next to the test assembly) in an environment and waits for it to exit; the exit
    // code and what it wrote, or null when it was still running after the wait (and was stopped).
    public static async Task<(int ExitCode, string Output)?> RunAsync(string assemblyName, string environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, $"{assemblyName}.dll"));
        start.ArgumentList.Add("--urls=http://127.0.0.1:0");
        start.Environment["ASPNETCORE_ENVIRONMENT"] = environment;
        start.Environment["DOTNET_ENVIRONMENT"] = environment;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return null;
        }

        return (process.ExitCode, await output + await error);
    }
}
