using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Introserv.Gateway.Tests;

// The settings every in-process gateway here starts with: the local Redis (or another), the broker with queues of
// its own, test tokens, Identity unreachable, and Profile's routes sent to a recording upstream.
public static class TestGateway
{
    public static void Configure(IWebHostBuilder builder, string redis, Uri upstream)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseEnvironment("Testing");
        builder.UseSetting($"ConnectionStrings:{ResourceNames.Redis}", redis);
        builder.UseSetting($"ConnectionStrings:{ResourceNames.RabbitMq}", LocalInfra.Current.RabbitMq);
        builder.UseSetting("Messaging:EndpointPrefix", $"test-{Guid.NewGuid():N}"[..17]);
        builder.UseSetting("Messaging:TemporaryEndpoints", "true");
        // Rate limits are counted in Redis across replicas: each gateway here counts its own (a test that wants two
        // replicas sharing a count sets one prefix for both).
        builder.UseSetting("RateLimits:KeyPrefix", $"test-{Guid.NewGuid():N}:");
        builder.UseSetting("Auth:Issuer", TestTokens.Issuer);
        builder.UseSetting("Auth:RequireHttpsMetadata", "false");
        builder.UseSetting("services:identity:http:0", "http://127.0.0.1:9");
        builder.UseSetting("services:identity:grpc:0", "http://127.0.0.1:9");
        // Identity is unreachable here: no start-up check (the stack's own tests meet it).
        builder.UseSetting("AllowLists:IdentityWarmup", "00:00:00");
        builder.UseSetting("services:profile:http:0", upstream.ToString());
    }

    // For tests about something other than Redis's budget, against the live local Redis: on a loaded machine a Redis
    // call can outlast the shipped 250 ms, and the gateway then degrades on purpose (an allow-list it cannot read
    // without Identity, which is unreachable here, is refused 503; rate limits are counted per replica), which is not
    // what those tests check. The tests of that degraded behaviour stop or cut off Redis and keep the shipped budget.
    public static void GiveRedisTime(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseSetting("AllowLists:RedisTimeout", "00:00:05");
        builder.UseSetting("RateLimits:RedisTimeout", "00:00:05");
    }

    // GET /api/profile as a signed-in customer from an address, answered in-process: the status.
    public static async Task<int> GetProfileAsync(WebApplicationFactory<Program> gateway, string token, string from)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        var context = await gateway.Server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Get;
            c.Request.Path = "/api/profile";
            c.Connection.RemoteIpAddress = IPAddress.Parse(from);
            c.Request.Headers.Authorization = $"Bearer {token}";
        });
        return context.Response.StatusCode;
    }
}
