namespace Introserv.Orders.Tests;

// payments-dev approves payments for whoever clicks: it starts only in Development, never in an environment a
// deployment might name.
public sealed class DevPaymentsEnvironmentTests
{
    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    [InlineData("Testing")]
    public async Task The_development_payment_provider_refuses_to_start_outside_Development(string environment)
    {
        var run = await DevelopmentTool.RunAsync("Introserv.Orders.DevPayments", environment);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains($"runs only in Development, not in {environment}", run.Output, StringComparison.Ordinal);
    }
}
