using System.Collections.Concurrent;
using Introserv.Gateway.AllowLists;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Xunit.Abstractions;

namespace Introserv.Gateway.Tests;

// Drill: the gateway reaches Redis through Sentinel (deploy/README's production Redis), and the primary is killed
// under a stream of authenticated requests. Every request is answered, and once the Sentinels have promoted the
// replica the gateway writes to the new primary.
public sealed class RedisSentinelFailoverTests(ITestOutputHelper output) : IDisposable
{
    private const string Allowed = "203.0.113.7";

    private readonly SentinelRedis _redis = new();
    private readonly RecordingUpstream _upstream = new();
    private readonly WebApplicationFactory<Program> _root = new();

    public void Dispose()
    {
        _root.Dispose();
        _upstream.Dispose();
        _redis.Dispose();
    }

    [Fact]
    public async Task Killing_the_primary_under_load_fails_no_request_and_the_gateway_follows_the_new_primary()
    {
        await _redis.StartAsync();
        await using var gateway = _root.WithWebHostBuilder(builder =>
        {
            TestGateway.Configure(builder, _redis.ConnectionString, _upstream.Address);
            builder.UseSetting("RateLimits:api:PermitLimit", "1000000");
            builder.ConfigureTestServices(services => services.TrustTestTokens());
        });
        var cache = gateway.Services.GetRequiredService<AllowListCache>();
        var tokens = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            var account = Guid.NewGuid();
            await cache.StoreAsync(account, 1, [Allowed]);
            tokens.Add(TestTokens.For(account, AuthenticationExtensions.CustomerRole));
        }

        // Written through Sentinel: the lists are on the primary.
        Assert.Equal(_redis.Primary.Port, await _redis.PrimaryPortAsync());
        foreach (var token in tokens)
        {
            Assert.Equal(StatusCodes.Status200OK, await Eventually.ValueAsync(
                () => TestGateway.GetProfileAsync(gateway, token, Allowed), status => status == StatusCodes.Status200OK,
                TimeSpan.FromSeconds(10)));
        }

        var statuses = new ConcurrentBag<int>();
        using var stop = new CancellationTokenSource();
        var load = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                statuses.Add(await TestGateway.GetProfileAsync(
                    gateway, tokens[(worker * 3 + n) % tokens.Count], Allowed));
            }
        })).ToList();

        await Task.Delay(TimeSpan.FromSeconds(1));
        _redis.Primary.Stop();
        var promoted = await Eventually.TrueAsync(
            async () => await _redis.PrimaryPortAsync() == _redis.Replica.Port, TimeSpan.FromSeconds(30));

        // A list stored after the failover lands on the promoted replica.
        var later = Guid.NewGuid();
        var stored = await Eventually.TrueAsync(async () =>
        {
            try
            {
                await cache.StoreAsync(later, 1, [Allowed]);
                return await SentinelRedis.CliAsync(
                    _redis.Replica.Port, "EXISTS", AllowListCache.Key(later).ToString()) == "1\n";
            }
            catch (StackExchange.Redis.RedisException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30));
        await Task.Delay(TimeSpan.FromSeconds(1));
        await stop.CancelAsync();
        await Task.WhenAll(load);

        var failed = statuses.Where(s => s != StatusCodes.Status200OK)
            .GroupBy(s => s)
            .Select(g => $"{g.Key}×{g.Count()}")
            .ToList();
        output.WriteLine($"{statuses.Count} requests during the failover, failed: {string.Join(", ", failed)}");
        Assert.True(promoted, "the Sentinels never promoted the replica");
        Assert.True(stored, "the gateway never wrote to the promoted replica");
        Assert.True(failed.Count == 0, $"requests failed: {string.Join(", ", failed)}");
    }
}
