using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Introserv.Gateway.Tests;

public sealed class ProxyTrustTests
{
    private static ForwardedHeadersOptions Configure(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(
                settings.Select(s => KeyValuePair.Create<string, string?>($"ForwardedHeaders:{s.Key}", s.Value)))
            .Build();
        var options = new ForwardedHeadersOptions();
        ProxyTrust.From(configuration.GetSection(Introserv.ServiceDefaults.ForwardedHeadersExtensions.SectionName))
            .ApplyTo(options);
        return options;
    }

    [Fact]
    public void With_no_proxy_configured_no_forwarded_header_is_processed_at_all()
    {
        // The framework's default lists trust loopback; two empty lists would mean "every peer".
        var options = Configure();

        Assert.Equal(ForwardedHeaders.None, options.ForwardedHeaders);
        Assert.Empty(options.KnownProxies);
        Assert.Empty(options.KnownIPNetworks);
    }

    [Fact]
    public void Loopback_is_trusted_only_when_asked_for()
    {
        Assert.Equal(ForwardedHeaders.None, Configure(("TrustLoopback", "false")).ForwardedHeaders);

        var options = Configure(("TrustLoopback", "true"));

        Assert.NotEqual(ForwardedHeaders.None, options.ForwardedHeaders);
        Assert.Contains(options.KnownIPNetworks, n => n.Contains(IPAddress.Parse("127.0.0.9")));
        Assert.Contains(IPAddress.IPv6Loopback, options.KnownProxies);
    }

    [Fact]
    public void Configured_proxies_are_the_only_trusted_peers_and_only_their_hop_counts()
    {
        var options = Configure(("KnownProxies:0", "203.0.113.5"), ("KnownNetworks:0", "10.20.0.0/24"));

        Assert.Equal([IPAddress.Parse("203.0.113.5")], options.KnownProxies);
        var network = Assert.Single(options.KnownIPNetworks);
        Assert.True(network.Contains(IPAddress.Parse("10.20.0.77")));
        Assert.False(network.Contains(IPAddress.Parse("127.0.0.1")));
        Assert.Equal(1, options.ForwardLimit);
        Assert.Equal(
            ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost,
            options.ForwardedHeaders);
    }

    [Theory]
    [InlineData("KnownProxies:0", "not-an-address")]
    [InlineData("KnownNetworks:0", "10.0.0.0/99")]
    [InlineData("KnownNetworks:0", "10.0.0.1")]
    public void A_malformed_trust_entry_stops_start_up(string key, string value) =>
        Assert.Throws<InvalidOperationException>(() => Configure((key, value)));

    [Fact]
    public void The_frameworks_trust_everyone_switch_is_overridden()
    {
        // ASPNETCORE_FORWARDEDHEADERS_ENABLED=true clears both lists (every peer trusted) and adds its own middleware.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration["FORWARDEDHEADERS_ENABLED"] = "true";
        builder.AddIntroservForwardedHeaders();
        using var app = builder.Build();

        var options = app.Services.GetRequiredService<IOptions<ForwardedHeadersOptions>>().Value;
        Assert.Equal(ForwardedHeaders.None, options.ForwardedHeaders);
        Assert.DoesNotContain(app.Services.GetServices<IStartupFilter>(),
            f => f.GetType().Name == "ForwardedHeadersStartupFilter");
    }
}
