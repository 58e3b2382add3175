using System.Globalization;
using Introserv.Gateway.Edge;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Introserv.Gateway.Tests;

// Rate limits hold across the gateway's replicas: two gateways sharing Redis admit a client PermitLimit requests per
// window together, not each; with Redis down each still answers at once and limits on its own.
public sealed class SharedRateLimitTests : IAsyncLifetime, IDisposable
{
    private const int Limit = 10;

    private const int CallbackLimit = 15;

    private readonly RecordingUpstream _upstream = new();
    private readonly WebApplicationFactory<Program> _root = new();
    private readonly List<WebApplicationFactory<Program>> _gateways = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var factory in _gateways)
        {
            await factory.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _root.Dispose();
        _upstream.Dispose();
    }

    private WebApplicationFactory<Program> Gateway(string redis, string prefix)
    {
        var factory = _root.WithWebHostBuilder(builder =>
        {
            TestGateway.Configure(builder, redis, _upstream.Address);
            if (redis == LocalInfra.Current.Redis)
            {
                TestGateway.GiveRedisTime(builder);
            }

            builder.UseSetting("RateLimits:KeyPrefix", prefix);
            // Orders' routes (the payment callbacks) go to the recording upstream too.
            builder.UseSetting("services:orders:http:0", _upstream.Address.ToString());
            builder.UseSetting("RateLimits:anonymous:PermitLimit", Limit.ToString(CultureInfo.InvariantCulture));
            // A window that does not end during the test.
            builder.UseSetting("RateLimits:anonymous:Window", "01:00:00");
            builder.UseSetting(
                "RateLimits:callbacks:PermitLimit", CallbackLimit.ToString(CultureInfo.InvariantCulture));
            builder.UseSetting("RateLimits:callbacks:Window", "01:00:00");
        });
        _gateways.Add(factory);
        return factory;
    }

    // An anonymous request (GET /api/countries, proxied to the recording upstream) from a client address.
    private static async Task<int> CountriesAsync(WebApplicationFactory<Program> gateway, string from)
    {
        var context = await gateway.Server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Get;
            c.Request.Path = "/api/countries";
            c.Connection.RemoteIpAddress = IPAddress.Parse(from);
        });
        return context.Response.StatusCode;
    }

    [Fact]
    public async Task Two_replicas_admit_the_limit_together_and_a_client_at_either_is_then_refused()
    {
        var prefix = $"test-{Guid.NewGuid():N}:";
        var first = Gateway(LocalInfra.Current.Redis, prefix);
        var second = Gateway(LocalInfra.Current.Redis, prefix);
        const string client = "203.0.113.50";

        // Forty requests, in parallel, spread over both replicas.
        var answers = await Task.WhenAll(Enumerable.Range(0, 40)
            .Select(i => CountriesAsync(i % 2 == 0 ? first : second, client)));

        Assert.Equal(Limit, answers.Count(s => s == StatusCodes.Status200OK));
        Assert.Equal(40 - Limit, answers.Count(s => s == StatusCodes.Status429TooManyRequests));
        // Another client has its own count, at both replicas.
        Assert.Equal(StatusCodes.Status200OK, await CountriesAsync(first, "203.0.113.51"));
        Assert.Equal(StatusCodes.Status200OK, await CountriesAsync(second, "203.0.113.51"));
    }

    // A payment provider's callback (anonymous, proxied to the recording upstream) from a client address.
    private static async Task<int> CallbackAsync(WebApplicationFactory<Program> gateway, string from)
    {
        var context = await gateway.Server.SendAsync(c =>
        {
            c.Request.Method = HttpMethods.Post;
            c.Request.Path = "/api/payments/callbacks/dev";
            c.Connection.RemoteIpAddress = IPAddress.Parse(from);
        });
        return context.Response.StatusCode;
    }

    [Fact]
    public async Task Payment_callbacks_and_the_sign_in_routes_have_separate_budgets_per_address()
    {
        var gateway = Gateway(LocalInfra.Current.Redis, $"test-{Guid.NewGuid():N}:");
        const string client = "203.0.113.70";

        // The anonymous budget of the address is spent ...
        var anonymous = await Task.WhenAll(
            Enumerable.Range(0, Limit + 3).Select(_ => CountriesAsync(gateway, client)));
        Assert.Equal(Limit, anonymous.Count(s => s == StatusCodes.Status200OK));

        // ... and the provider at that address still has its own, which runs out in turn ...
        var callbacks = await Task.WhenAll(
            Enumerable.Range(0, CallbackLimit + 5).Select(_ => CallbackAsync(gateway, client)));
        Assert.Equal(CallbackLimit, callbacks.Count(s => s == StatusCodes.Status200OK));
        Assert.Equal(5, callbacks.Count(s => s == StatusCodes.Status429TooManyRequests));

        // ... without giving the sign-in routes anything back; another address has both budgets whole.
        Assert.Equal(StatusCodes.Status429TooManyRequests, await CountriesAsync(gateway, client));
        Assert.Equal(StatusCodes.Status200OK, await CallbackAsync(gateway, "203.0.113.71"));
        Assert.Equal(StatusCodes.Status200OK, await CountriesAsync(gateway, "203.0.113.71"));
    }

    [Theory]
    [InlineData("250ms")]
    [InlineData("-00:00:01")]
    [InlineData("00:00:00")]
    public void A_redis_budget_that_is_not_a_positive_time_span_stops_the_start_with_the_settings_name(string value)
    {
        var factory = _root.WithWebHostBuilder(builder =>
        {
            TestGateway.Configure(builder, LocalInfra.Current.Redis, _upstream.Address);
            builder.UseSetting(SharedRateLimits.RedisTimeoutSetting, value);
        });
        _gateways.Add(factory);

        var refused = Assert.ThrowsAny<Exception>(() => factory.Server);
        Assert.Contains($"{SharedRateLimits.RedisTimeoutSetting} is '{value}'", refused.ToString(),
            StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_Redis_down_a_replica_still_answers_and_limits_on_its_own()
    {
        // Nothing listens on port 9: a Redis that is down.
        var gateway = Gateway("127.0.0.1:9,abortConnect=false,connectTimeout=200", $"test-{Guid.NewGuid():N}:");
        const string client = "203.0.113.60";

        var answers = new List<int>();
        for (var i = 0; i < Limit + 5; i++)
        {
            answers.Add(await CountriesAsync(gateway, client));
        }

        Assert.Equal(Limit, answers.Count(s => s == StatusCodes.Status200OK));
        Assert.Equal(5, answers.Count(s => s == StatusCodes.Status429TooManyRequests));
    }
}

// A partition's limiter is dropped by the framework only when idle: one used in its window is kept a whole window
// (otherwise a client could wait a few seconds for a fresh count while Redis is down).
public sealed class SharedWindowLimiterTests
{
    [Fact]
    public async Task A_limiter_is_idle_only_a_window_after_its_last_use()
    {
        await using var deadRedis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(
            "127.0.0.1:9,abortConnect=false,connectTimeout=200");
        var clock = new ShiftedTimeProvider();
        var shared = new SharedRateLimits(
            deadRedis, clock, Microsoft.Extensions.Logging.Abstractions.NullLogger<SharedRateLimits>.Instance);
        await using var limiter = shared.Create(
            "anonymous", "ip:203.0.113.70", new RateLimitOptions { PermitLimit = 2, Window = TimeSpan.FromMinutes(1) });

        for (var i = 0; i < 3; i++)
        {
            using var lease = await limiter.AcquireAsync();
        }

        using (var refused = await limiter.AcquireAsync())
        {
            Assert.False(refused.IsAcquired);
        }

        Assert.Null(limiter.IdleDuration);
        clock.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        Assert.NotNull(limiter.IdleDuration);
    }
}
