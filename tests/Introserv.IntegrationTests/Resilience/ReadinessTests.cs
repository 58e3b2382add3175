extern alias gateway;

using System.Diagnostics;
using System.Net;
using System.Text.Json;
using gateway::Introserv.Gateway.AllowLists;
using Introserv.ServiceDefaults;
using Introserv.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Introserv.IntegrationTests.Resilience;

/// <summary>
/// Readiness depends only on what a request cannot be served without: with Redis and the broker unreachable
/// the gateway and a service stay ready (Degraded) and answer at once; without its database a service is not ready.
/// </summary>
public sealed class ReadinessTests : IDisposable
{
    // Nothing listens on port 9 (discard).
    private const string DeadRedis = "127.0.0.1:9,abortConnect=false,connectTimeout=200";
    private const string DeadBroker = "amqp://guest:guest@127.0.0.1:9/";

    private readonly WebApplicationFactory<AllowListSettings> _gatewayRoot = new();
    private readonly OrdersServiceFactory _ordersRoot = new();

    public void Dispose()
    {
        _gatewayRoot.Dispose();
        _ordersRoot.Dispose();
    }

    private static async Task<(HttpStatusCode Status, string Body, TimeSpan Took)> GetAsync(HttpClient http, string path)
    {
        var watch = Stopwatch.StartNew();
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        return (response.StatusCode, await response.Content.ReadAsStringAsync(), watch.Elapsed);
    }

    [Fact]
    public async Task The_gateway_stays_ready_without_redis_and_the_broker_and_says_which_is_down()
    {
        await using var factory = _gatewayRoot.WithWebHostBuilder(builder =>
        {
            builder.UseEnvironment("Testing");
            builder.UseSetting($"ConnectionStrings:{ResourceNames.Redis}", DeadRedis);
            builder.UseSetting($"ConnectionStrings:{ResourceNames.RabbitMq}", DeadBroker);
            builder.UseSetting("Auth:Issuer", "http://gateway.test/");
            builder.UseSetting("Auth:RequireHttpsMetadata", "false");
            builder.UseSetting("services:identity:http:0", "http://127.0.0.1:9");
            builder.UseSetting("services:identity:grpc:0", "http://127.0.0.1:9");
        });
        using var http = factory.CreateClient();
        await GetAsync(http, "/alive");

        var (status, body, took) = await GetAsync(http, Extensions.HealthEndpointPath);
        var (_, details, _) = await GetAsync(http, HealthReadiness.DetailsPath);

        Assert.Equal((HttpStatusCode.OK, "Degraded"), (status, body));
        Assert.True(took < TimeSpan.FromSeconds(3), $"/health took {took}");
        var checks = JsonDocument.Parse(details).RootElement.GetProperty("checks").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString());
        Assert.Contains(checks, c => c.Key.Contains("redis", StringComparison.OrdinalIgnoreCase) && c.Value == "Degraded");
        Assert.Contains(checks, c => c.Key.Contains("masstransit", StringComparison.OrdinalIgnoreCase) && c.Value == "Degraded");
    }

    [Fact]
    public async Task A_service_stays_ready_during_a_broker_outage_but_not_without_its_database()
    {
        await using (var noBroker = _ordersRoot.WithWebHostBuilder(builder =>
            builder.UseSetting($"ConnectionStrings:{ResourceNames.RabbitMq}", DeadBroker)))
        {
            using var http = noBroker.CreateClient();
            Assert.Equal("Degraded", await ServiceHealth.WaitForHealthyAsync(http, accept: ["Degraded"]));
            var (status, body, took) = await GetAsync(http, Extensions.HealthEndpointPath);
            Assert.Equal((HttpStatusCode.OK, "Degraded"), (status, body));
            Assert.True(took < TimeSpan.FromSeconds(3), $"/health took {took}");
        }

        await using var noDatabase = _ordersRoot.WithWebHostBuilder(builder =>
            builder.UseSetting($"ConnectionStrings:{ResourceNames.OrdersDb}", "Host=127.0.0.1;Port=9;Database=x;Username=x;Password=x;Timeout=1"));
        using var client = noDatabase.CreateClient();
        var (unready, _, _) = await GetAsync(client, Extensions.HealthEndpointPath);
        var (alive, _, _) = await GetAsync(client, Extensions.AlivenessEndpointPath);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK), (unready, alive));
    }
}
