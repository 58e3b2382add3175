namespace Introserv.Testing;

// A development tool (payments-dev, telephony-dev, mail-dev) started as its own process, as a deployment would start
// it: each shows or approves what only a developer may see, so it starts only in Development, never in an
// environment a deployment might name. A test project derives one class per tool it ships.
public abstract class DevelopmentToolEnvironmentTests(string assemblyName)
{
    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    [InlineData("Testing")]
    public async Task The_tool_refuses_to_start_outside_Development(string environment)
    {
        var (exitCode, output) = await RunAsync(assemblyName, environment);

        Assert.NotEqual(0, exitCode);
        Assert.Contains($"runs only in Development, not in {environment}", output, StringComparison.Ordinal);
    }

    // Starts the tool's assembly (next to the test assembly) in an environment and waits up to a minute for it to
    // exit: its exit code and what it wrote. A tool still running after the wait is stopped and the wait throws.
    private static Task<(int ExitCode, string Output)> RunAsync(string assemblyName, string environment) =>
        ServiceProcess.RunAsync(
            $"{assemblyName}.dll",
            ["--urls=http://127.0.0.1:0"],
            [("ASPNETCORE_ENVIRONMENT", environment), ("DOTNET_ENVIRONMENT", environment)],
            TimeSpan.FromSeconds(60));
}
