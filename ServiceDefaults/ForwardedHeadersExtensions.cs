using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Introserv.ServiceDefaults;

/// <summary>
/// Which proxies may tell a service the client's address, scheme and host (configuration section
/// <c>ForwardedHeaders</c>: <c>KnownProxies</c> = addresses, <c>KnownNetworks</c> = CIDR blocks, <c>TrustLoopback</c>
/// = also every loopback address). Nobody is trusted by default: with no proxy listed, no header from any peer
/// changes the client address, scheme or host. With proxies listed, only the hop the nearest listed proxy appended
/// counts (<c>X-Forwarded-For</c>, <c>X-Forwarded-Proto</c>, <c>X-Forwarded-Host</c>); <c>Forwarded</c> and
/// <c>X-Real-IP</c> are never read.
/// <para>
/// ASP.NET Core's own switch <c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c> would add a second middleware that
/// trusts every peer; it is removed, so these rules are the only ones.
/// </para>
/// </summary>
public static class ForwardedHeadersExtensions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "ForwardedHeaders";

    /// <summary>Configures the forwarded-headers middleware from configuration.</summary>
    public static TBuilder AddIntroservForwardedHeaders<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var trust = ProxyTrust.From(builder.Configuration.GetSection(SectionName));
        RemoveFrameworkForwardedHeaders(builder.Services);
        // PostConfigure: runs after every Configure, including the framework's own options setup.
        builder.Services.PostConfigure<ForwardedHeadersOptions>(trust.ApplyTo);
        return builder;
    }

    /// <summary>Applies the forwarded headers; call first in the pipeline.</summary>
    public static WebApplication UseIntroservForwardedHeaders(this WebApplication app)
    {
        app.UseForwardedHeaders();
        return app;
    }

    /// <summary>
    /// The client's address: the socket address, or the one a trusted proxy forwarded. IPv4-mapped IPv6 addresses
    /// are given as IPv4, so they match IPv4 rules.
    /// </summary>
    public static IPAddress? ClientAddress(this HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var address = context.Connection.RemoteIpAddress;
        return address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;
    }

    /// <summary>The client's address as text, <c>unknown</c> when there is none.</summary>
    public static string ClientAddressText(this HttpContext context) =>
        context.ClientAddress()?.ToString() ?? "unknown";

    // WebHost registers a startup filter that, when ASPNETCORE_FORWARDEDHEADERS_ENABLED is true, puts a
    // forwarded-headers middleware in front of the pipeline with both trust lists cleared (every peer trusted).
    private static void RemoveFrameworkForwardedHeaders(IServiceCollection services)
    {
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(IStartupFilter)
                && services[i].ImplementationType?.Name == "ForwardedHeadersStartupFilter")
            {
                services.RemoveAt(i);
            }
        }
    }
}

/// <summary>The proxies a service believes, as configured.</summary>
public sealed record ProxyTrust(IReadOnlyList<IPAddress> Proxies, IReadOnlyList<System.Net.IPNetwork> Networks)
{
    /// <summary>Reads <c>KnownProxies</c>, <c>KnownNetworks</c> and <c>TrustLoopback</c> (default false).</summary>
    public static ProxyTrust From(IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(section);
        var proxies = (section.GetSection("KnownProxies").Get<string[]>() ?? [])
            .Where(p => !string.IsNullOrWhiteSpace(p))
            .Select(p => IPAddress.TryParse(p.Trim(), out var ip)
                ? ip
                : throw new InvalidOperationException(
                    $"{ForwardedHeadersExtensions.SectionName}:KnownProxies: '{p}' is not an IP address."))
            .ToList();
        var networks = (section.GetSection("KnownNetworks").Get<string[]>() ?? [])
            .Where(n => !string.IsNullOrWhiteSpace(n))
            .Select(n => System.Net.IPNetwork.TryParse(n.Trim(), out var network)
                ? network
                : throw new InvalidOperationException(
                    $"{ForwardedHeadersExtensions.SectionName}:KnownNetworks: '{n}' is not a CIDR block."))
            .ToList();
        if (section.GetValue("TrustLoopback", false))
        {
            networks.Add(new System.Net.IPNetwork(IPAddress.Loopback, 8));
            proxies.Add(IPAddress.IPv6Loopback);
        }

        return new ProxyTrust(proxies, networks);
    }

    /// <summary>Whether any peer may forward a client address.</summary>
    public bool TrustsAnyone => Proxies.Count > 0 || Networks.Count > 0;

    /// <summary>
    /// Sets the options so that exactly the configured proxies are believed. The middleware treats two empty
    /// lists as "check no peer" (trust everyone); with nothing configured, it is told to process no header at all.
    /// </summary>
    public void ApplyTo(ForwardedHeadersOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.KnownProxies.Clear();
        options.KnownIPNetworks.Clear();
        options.ForwardLimit = 1;
        options.RequireHeaderSymmetry = false;
        options.AllowedHosts.Clear();
        if (!TrustsAnyone)
        {
            options.ForwardedHeaders = ForwardedHeaders.None;
            return;
        }

        options.ForwardedHeaders =
            ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
        foreach (var proxy in Proxies)
        {
            options.KnownProxies.Add(proxy);
        }

        foreach (var network in Networks)
        {
            options.KnownIPNetworks.Add(network);
        }
    }
}
