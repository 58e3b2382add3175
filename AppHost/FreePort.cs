using System.Net;
using System.Net.Sockets;

namespace Introserv.AppHost;

public static class FreePort
{
    // A TCP port free on loopback right now (for endpoints that cannot be proxied).
    public static int Pick()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
