using System.Collections.Concurrent;
using Microsoft.AspNetCore;
using OpenIddict.Server;
using static OpenIddict.Server.OpenIddictServerEvents;

namespace Introserv.Identity.Tests;

// Records the path of every request offered to the OpenID Connect server's request handler (the first handler of its
// request event, so every offered request is seen, whether or not it is one of the server's endpoints).
public sealed class ServerRequestRecorder : IOpenIddictServerHandler<ProcessRequestContext>
{
    private readonly ConcurrentQueue<string> _paths = new();

    public static OpenIddictServerHandlerDescriptor Descriptor { get; } =
        OpenIddictServerHandlerDescriptor.CreateBuilder<ProcessRequestContext>()
            .UseSingletonHandler<ServerRequestRecorder>()
            .SetOrder(int.MinValue)
            .SetType(OpenIddictServerHandlerType.Custom)
            .Build();

    public IReadOnlyCollection<string> Paths => _paths.ToArray();

    public ValueTask HandleAsync(ProcessRequestContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Transaction.GetHttpRequest() is { } request)
        {
            _paths.Enqueue(request.Path.Value ?? "");
        }

        return ValueTask.CompletedTask;
    }
}
