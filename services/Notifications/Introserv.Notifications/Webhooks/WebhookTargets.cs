using System.Net;
using System.Net.Sockets;

namespace Introserv.Notifications.Webhooks;

// Where deliveries may go. Outside Development (WebhookOptions.AllowLocalTargets) an endpoint is an https URL whose
// host is public: loopback, private, shared (CGNAT), link-local, multicast and reserved addresses are refused when the
// endpoint is saved and again at every connection, after the name is resolved, so a name that later resolves to an
// internal address (DNS rebinding) reaches nothing.
public static class WebhookTargets
{
    public const int MaxUrlLength = 2048;

    // Why url cannot be an endpoint's URL; null when it can. Names are resolved here too (a failed lookup is
    // accepted: the receiver's name may not exist yet, and every connection checks again).
    public static async Task<string?> RefusalAsync(string url, bool allowLocal, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("https" or "http") || string.IsNullOrEmpty(uri.Host))
        {
            return "An absolute https URL.";
        }

        if (uri.Scheme != "https" && !allowLocal)
        {
            return "Must be https.";
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            return "No user name or password in the URL.";
        }

        if (!string.IsNullOrEmpty(uri.Fragment))
        {
            return "No fragment (#...) in the URL.";
        }

        if (allowLocal)
        {
            return null;
        }

        IPAddress[] addresses;
        if (IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var literal))
        {
            addresses = [literal];
        }
        else if (uri.IsLoopback)
        {
            return "Must not point at this machine.";
        }
        else
        {
            try
            {
                addresses = await Dns.GetHostAddressesAsync(uri.IdnHost, cancellationToken);
            }
            catch (SocketException)
            {
                return null;
            }
        }

        return addresses.Any(IsInternal) ? "Must not point at a loopback, private or link-local address." : null;
    }

    // Whether address is anything but a public unicast address.
    public static bool IsInternal(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any)
            || address.Equals(IPAddress.IPv6None))
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            Span<byte> v6 = stackalloc byte[16];
            address.TryWriteBytes(v6, out _);
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
                || (v6[0] & 0xFE) == 0xFC // unique local fc00::/7
                || (v6[0] == 0x20 && v6[1] == 0x01 && v6[2] == 0x0D && v6[3] == 0xB8) // documentation
                || (v6[0] == 0x00 && v6[1] == 0x64 && v6[2] == 0xFF && v6[3] == 0x9B); // NAT64 to any IPv4
        }

        Span<byte> b = stackalloc byte[4];
        address.TryWriteBytes(b, out _);
        return b[0] switch
        {
            0 or 10 or 127 => true,
            100 => b[1] is >= 64 and <= 127, // shared address space (CGNAT)
            169 => b[1] == 254, // link-local, cloud metadata
            172 => b[1] is >= 16 and <= 31,
            192 => (b[1] == 168) || (b[1] == 0 && b[2] is 0 or 2) || (b[1] == 88 && b[2] == 99),
            198 => b[1] is 18 or 19 || (b[1] == 51 && b[2] == 100),
            203 => b[1] == 0 && b[2] == 113,
            >= 224 => true, // multicast, reserved, broadcast
            _ => false,
        };
    }

    // The handler every delivery goes through: no redirects followed, no proxy, no cookies, and (unless local targets
    // are allowed) a connection only to a public address of the resolved name.
    public static SocketsHttpHandler Handler(bool allowLocal) => new()
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        UseProxy = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(5),
        MaxConnectionsPerServer = 4,
        ConnectCallback = (context, cancellationToken) => ConnectAsync(context, allowLocal, cancellationToken),
    };

    private static async ValueTask<Stream> ConnectAsync(
        SocketsHttpConnectionContext context, bool allowLocal, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal)
            ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken);
        var allowed = allowLocal ? addresses : addresses.Where(a => !IsInternal(a)).ToArray();
        if (allowed.Length == 0)
        {
            throw new WebhookTargetRefusedException(
                $"{host} resolves to no public address; deliveries go to public addresses only.");
        }

#pragma warning disable CA2000 // Disposed below on failure; the stream owns it otherwise.
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
#pragma warning restore CA2000
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}

// A delivery's target resolved to an internal address (outside Development).
public sealed class WebhookTargetRefusedException(string message) : IOException(message);

// The one client deliveries go through (its own handler: no retries, no service discovery, see WebhookTargets).
public sealed class WebhookHttp : IDisposable
{
    public WebhookHttp(Microsoft.Extensions.Options.IOptions<WebhookOptions> options, IHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(options);
#pragma warning disable CA2000 // The client owns the handler.
        Client = new HttpClient(WebhookTargets.Handler(options.Value.LocalTargetsAllowed(environment)))
#pragma warning restore CA2000
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
        Client.DefaultRequestHeaders.UserAgent.ParseAdd("Introserv-Webhooks/1.0");
    }

    public HttpClient Client { get; }

    public void Dispose() => Client.Dispose();
}
