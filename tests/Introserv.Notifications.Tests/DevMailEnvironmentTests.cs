namespace Introserv.Notifications.Tests;

// mail-dev shows every mail, sign-in links included, to whoever opens it: it starts only in Development, never in
// an environment a deployment might name.
public sealed class DevMailEnvironmentTests
{
    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    [InlineData("Testing")]
    public async Task The_development_mail_catcher_refuses_to_start_outside_Development(string environment)
    {
        var run = await DevelopmentTool.RunAsync("Introserv.Notifications.DevMail", environment);

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains($"runs only in Development, not in {environment}", run.Output, StringComparison.Ordinal);
    }
}
