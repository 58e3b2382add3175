using System.Net;
using Introserv.ServiceDefaults;

namespace Introserv.Identity.Features.SignIn;

/// <summary>
/// The caller's address: the socket address, or the one the trusted gateway forwarded (the forwarded-headers
/// middleware trusts only the configured proxies). IPv4-mapped IPv6 addresses are shown as IPv4.
/// </summary>
public static class ClientAddress
{
    public static IPAddress? Of(HttpContext context) => context.ClientAddress();

    public static string TextOf(HttpContext context) => context.ClientAddressText();

    public static string? UserAgentOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var agent = context.Request.Headers.UserAgent.ToString();
        return agent.Length == 0 ? null : agent[..Math.Min(agent.Length, Data.AccountSession.UserAgentMaxLength)];
    }
}
