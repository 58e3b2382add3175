using Introserv.AppHost;
using Microsoft.Extensions.Configuration;

namespace Introserv.EndToEnd.Tests;

public sealed class InfrastructureModeTests
{
    [Theory]
    [InlineData("local", InfrastructureMode.Local)]
    [InlineData("LOCAL", InfrastructureMode.Local)]
    [InlineData("containers", InfrastructureMode.Containers)]
    [InlineData("container", InfrastructureMode.Containers)]
    public void Configured_mode_wins_over_detection(string configured, InfrastructureMode expected)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Infra:Mode"] = configured })
            .Build();

        Assert.Equal(expected, InfrastructureModeResolver.Resolve(configuration));
    }

    [Fact]
    public void Auto_mode_without_a_container_runtime_uses_local_servers()
    {
        // A runtime executable that does not exist stands for a machine with no container engine.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Infra:Mode"] = "auto",
                ["ASPIRE_CONTAINER_RUNTIME"] = "no-such-container-runtime",
            })
            .Build();

        Assert.Equal(InfrastructureMode.Local, InfrastructureModeResolver.Resolve(configuration));
    }

    [Fact]
    public void Auto_mode_with_a_runtime_that_fails_uses_local_servers()
    {
        // 'false' runs and exits non-zero, like 'docker info' when only the client is installed.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ASPIRE_CONTAINER_RUNTIME"] = "false" })
            .Build();

        Assert.Equal(InfrastructureMode.Local, InfrastructureModeResolver.Resolve(configuration));
    }

    [Fact]
    public void Auto_mode_with_a_runtime_that_answers_uses_containers()
    {
        // 'true' exits zero, like 'docker info' against a healthy engine.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ASPIRE_CONTAINER_RUNTIME"] = "true" })
            .Build();

        Assert.Equal(InfrastructureMode.Containers, InfrastructureModeResolver.Resolve(configuration));
    }

    [Fact]
    public void Unknown_mode_is_refused_with_the_allowed_values()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Infra:Mode"] = "kubernetes" })
            .Build();

        var error = Assert.Throws<InvalidOperationException>(() => InfrastructureModeResolver.Resolve(configuration));
        Assert.Contains("'auto', 'containers' or 'local'", error.Message, StringComparison.Ordinal);
    }
}
