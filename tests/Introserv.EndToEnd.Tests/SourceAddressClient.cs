using System.Net.Http.Headers;
using System.Net.Sockets;

namespace Introserv.EndToEnd.Tests;

// HTTP clients whose connections leave from a chosen loopback address (any of 127.0.0.0/8, or ::1), so the
// gateway sees different client addresses without leaving the machine.
public static class SourceAddressClient
{
    public static HttpClient Create(IPAddress source, Uri gateway, string? accessToken = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(gateway);
        var target = source.AddressFamily == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Loopback : IPAddress.Loopback;
#pragma warning disable CA2000 // The client owns the handler.
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            PooledConnectionLifetime = TimeSpan.FromSeconds(30),
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(source.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(new IPEndPoint(target, context.DnsEndPoint.Port), cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
#pragma warning restore CA2000
        var http = new HttpClient(handler) { BaseAddress = gateway };
        if (accessToken is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return http;
    }

    public static HttpClient Create(string source, Uri gateway, string? accessToken = null) =>
        Create(IPAddress.Parse(source), gateway, accessToken);
}
