namespace Introserv.Verification.Tests;

// telephony-dev shows verification codes to whoever opens it: it starts only in Development, never in an
// environment a deployment might name.
public sealed class DevGatewayEnvironmentTests
{
    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    [InlineData("Testing")]
    public async Task The_development_telephony_gateway_refuses_to_start_outside_Development(string environment)
    {
        var run = await DevelopmentTool.RunAsync("Introserv.Verification.DevGateway", environment);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains($"runs only in Development, not in {environment}", run.Output, StringComparison.Ordinal);
    }
}
