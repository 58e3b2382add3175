namespace Introserv.Testing;

// A development tool (payments-dev, telephony-dev) started as its own process, as a deployment would start it.
public static class DevelopmentTool
{
    // Starts the tool's assembly (next to the test assembly) in an environment and waits up to a minute for it to
    // exit: its exit code and what it wrote. A tool still running after the wait is stopped and the wait throws.
    public static Task<(int ExitCode, string Output)> RunAsync(string assemblyName, string environment) =>
        ServiceProcess.RunAsync(
            $"{assemblyName}.dll",
            ["--urls=http://127.0.0.1:0"],
            [("ASPNETCORE_ENVIRONMENT", environment), ("DOTNET_ENVIRONMENT", environment)],
            TimeSpan.FromSeconds(60));
}
