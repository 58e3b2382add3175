using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Introserv.ServiceDefaults;

/// <summary>
/// Which proxies may tell a service the client's address, scheme and host (configuration section <c>ForwardedHeaders</c>:
/// <c>KnownProxies</c> = addresses, <c>KnownNetworks</c> = CIDR blocks, <c>TrustLoopback</c>). Services trust
/// loopback by default (the gateway on the same host in local runs); in a cluster list the gateway's pod
/// network. The gateway sets <c>TrustLoopback=false</c>: only the load balancers listed in front of it count. An
/// <c>X-Forwarded-For</c> from any other peer is ignored, and only the last hop (the one the trusted proxy
/// appended) is used.
/// </summary>
public static class ForwardedHeadersExtensions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "ForwardedHeaders";

    /// <summary>Configures the forwarded-headers middleware from configuration.</summary>
    public static TBuilder AddIntroservForwardedHeaders<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var section = builder.Configuration.GetSection(SectionName);
        var proxies = section.GetSection("KnownProxies").Get<string[]>() ?? [];
        var networks = section.GetSection("KnownNetworks").Get<string[]>() ?? [];
        var trustLoopback = section.GetValue("TrustLoopback", true);
        builder.Services.Configure<ForwardedHeadersOptions>(options =>
        {
            options.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            options.ForwardLimit = 1;
            options.RequireHeaderSymmetry = false;
            if (!trustLoopback)
            {
                // The gateway faces clients: even a local client is only a client unless listed.
                options.KnownProxies.Clear();
                options.KnownIPNetworks.Clear();
            }

            foreach (var proxy in proxies)
            {
                options.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in networks)
            {
                options.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        return builder;
    }

    /// <summary>Applies the forwarded headers; call first in the pipeline.</summary>
    public static WebApplication UseIntroservForwardedHeaders(this WebApplication app)
    {
        app.UseForwardedHeaders();
        return app;
    }
}
