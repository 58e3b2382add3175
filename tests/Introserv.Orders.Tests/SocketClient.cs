using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Introserv.Orders.Tests;

// The Orders service on a real Kestrel listener (127.0.0.1, a free port), so clients can drop real connections.
public sealed class KestrelOrdersFixture : IAsyncLifetime
{
    public KestrelOrdersFixture() => Service.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));

    public OrdersServiceFactory Service { get; } = new();

    public IPEndPoint EndPoint { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        // Starts the dependencies, then the service (on Kestrel), and waits until it is healthy.
        await ((IAsyncLifetime)Service).InitializeAsync();
        var address = new Uri(Service.Services
            .GetRequiredService<IServer>().Features
            .Get<IServerAddressesFeature>()!.Addresses
            .First());
        EndPoint = new IPEndPoint(IPAddress.Loopback, address.Port);
    }

    public Task DisposeAsync() => ((IAsyncLifetime)Service).DisposeAsync();
}

// When a SocketClient drops its connection.
public enum DropMoment
{
    // After the headers and part of the body.
    WhileSending,

    // After the whole request, after a short random pause, before reading anything.
    AfterSending,

    // After the first bytes of the answer arrived (or after 10 s without them: a client that timed out).
    WhileAnswering,
}

// A raw HTTP/1.1 client over a TCP socket that can abandon a request at a chosen moment (an abortive close: RST).
public static class SocketClient
{
    public static byte[] Request(IPEndPoint server, string path, string token, string key, string json)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var head =
            $"POST {path} HTTP/1.1\r\nHost: {server}\r\nAuthorization: Bearer {token}\r\nIdempotency-Key: {key}\r\n" +
            $"Content-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n";
        return [.. Encoding.ASCII.GetBytes(head), .. body];
    }

    // Sends request and drops the connection at moment.
    public static async Task SendAndDropAsync(IPEndPoint server, byte[] request, DropMoment moment, Random random)
    {
        using var client = new TcpClient { NoDelay = true, LingerState = new LingerOption(true, 0) };
        await client.ConnectAsync(server);
        var stream = client.GetStream();
        if (moment == DropMoment.WhileSending)
        {
            await stream.WriteAsync(
                request.AsMemory(0, request.Length - 1 - random.Next(Math.Min(20, request.Length - 1))));
            await stream.FlushAsync();
            await Task.Delay(random.Next(0, 5));
            return;
        }

        await stream.WriteAsync(request);
        await stream.FlushAsync();
        if (moment == DropMoment.AfterSending)
        {
            await Task.Delay(random.Next(0, 40));
            return;
        }

        // A client waits at most 10 s for the first bytes and drops the connection either way: one whose answer is
        // late (a loaded machine) gives up as a client with a timeout does, which is also a drop to survive. A server
        // that never answers still fails the drill, in the retries that must complete.
        var buffer = new byte[1 + random.Next(64)];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await stream.ReadAtLeastAsync(buffer, 1, throwOnEndOfStream: false, timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
        }
    }

    // Sends request and drops the connection once dropWhen holds (checked every 10 ms for up to 10 s): a client
    // that goes away at a chosen point of the server's work.
    public static async Task SendAndDropWhenAsync(IPEndPoint server, byte[] request, Func<bool> dropWhen)
    {
        ArgumentNullException.ThrowIfNull(dropWhen);
        using var client = new TcpClient { NoDelay = true, LingerState = new LingerOption(true, 0) };
        await client.ConnectAsync(server);
        var stream = client.GetStream();
        await stream.WriteAsync(request);
        await stream.FlushAsync();
        var waited = Stopwatch.StartNew();
        while (!dropWhen())
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(10), "The server never reached the point to drop at.");
            await Task.Delay(10);
        }
    }
}
