using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Introserv.Testing;

// A small web app (a stand-in provider) on a real local socket, so the service under test reaches it over HTTP as it
// would reach the real one.
public static class LocalServer
{
    public static async Task<(WebApplication App, Uri Address)> StartAsync(
        IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection> services,
        Action<WebApplication> map)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(map);
        var builder = WebApplication.CreateSlimBuilder();
        // The test output holds some service's appsettings.json (whichever was copied last); its Kestrel endpoints
        // would pin this server to that service's port, so the server reads no configuration files.
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseKestrel().UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        services(builder.Services);
        builder.Services.AddProblemDetails();
        var app = builder.Build();
        map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features
            .Get<IServerAddressesFeature>()!.Addresses.Single();
        return (app, new Uri(address));
    }
}
