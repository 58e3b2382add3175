extern alias gateway;

using System.Diagnostics;
using Introserv.Orders.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;

namespace Introserv.Orders.Tests;

// Readiness depends only on what a request cannot be served without: with Redis and the broker unreachable
// the gateway and a service stay ready (Degraded) and answer at once; without its database a service is not ready.
public sealed class ReadinessTests(OrdersServiceFactory orders) : IClassFixture<OrdersServiceFactory>, IDisposable
{
    // Nothing listens on port 9 (discard).
    private const string DeadRedis = "127.0.0.1:9,abortConnect=false,connectTimeout=200";
    private const string DeadBroker = "amqp://guest:guest@127.0.0.1:9/";

    private readonly WebApplicationFactory<gateway::Program> _gatewayRoot = new();

    public void Dispose() => _gatewayRoot.Dispose();

    private static async Task<(int Status, string Body)> DetailsAsync(
        WebApplicationFactory<gateway::Program> factory, string from)
    {
        var context = await factory.Server.SendAsync(c =>
        {
            c.Request.Method = "GET";
            c.Request.Path = HealthReadiness.DetailsPath;
            c.Connection.RemoteIpAddress = IPAddress.Parse(from);
        });
        using var reader = new StreamReader(context.Response.Body);
        return (context.Response.StatusCode, await reader.ReadToEndAsync());
    }

    private static async Task<(HttpStatusCode Status, string Body, TimeSpan Took)> GetAsync(
        HttpClient http, string path)
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
        var (detailsStatus, details) = await DetailsAsync(factory, "10.1.2.3");
        var (publicStatus, _) = await DetailsAsync(factory, "203.0.113.9");

        Assert.Equal((HttpStatusCode.OK, "Degraded"), (status, body));
        Assert.True(took < TimeSpan.FromSeconds(3), $"/health took {took}");
        Assert.Equal((200, 404), (detailsStatus, publicStatus));
        var checks = JsonDocument.Parse(details).RootElement.GetProperty("checks").EnumerateArray()
            .ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("status").GetString());
        Assert.Contains(checks,
            c => c.Key.Contains("redis", StringComparison.OrdinalIgnoreCase) && c.Value == "Degraded");
        Assert.Contains(checks,
            c => c.Key.Contains("masstransit", StringComparison.OrdinalIgnoreCase) && c.Value == "Degraded");
    }

    [Fact]
    public async Task A_service_stays_ready_during_a_broker_outage_but_not_without_its_database()
    {
        await using (var noBroker = orders.WithWebHostBuilder(builder =>
            builder.UseSetting($"ConnectionStrings:{ResourceNames.RabbitMq}", DeadBroker)))
        {
            using var http = noBroker.CreateClient();
            Assert.Equal("Degraded", await ServiceHealth.WaitForHealthyAsync(http, accept: ["Degraded"]));
            var (status, body, took) = await GetAsync(http, Extensions.HealthEndpointPath);
            Assert.Equal((HttpStatusCode.OK, "Degraded"), (status, body));
            Assert.True(took < TimeSpan.FromSeconds(3), $"/health took {took}");
        }

        await using var noDatabase = orders.WithWebHostBuilder(builder =>
            builder.UseSetting($"ConnectionStrings:{ResourceNames.OrdersDb}",
                "Host=127.0.0.1;Port=9;Database=x;Username=x;Password=x;Timeout=1"));
        using var client = noDatabase.CreateClient();
        var (unready, _, _) = await GetAsync(client, Extensions.HealthEndpointPath);
        var (alive, _, _) = await GetAsync(client, Extensions.AlivenessEndpointPath);
        Assert.Equal((HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK), (unready, alive));
    }

    // Default settings (retries on): the request is retried against the dead database for a few seconds, then
    // answered as an outage the client may retry, never as a 500, and before the gateway's 30 s upstream timeout
    // would have answered 504 in its place.
    [Fact]
    public async Task A_request_while_the_database_is_unreachable_answers_503_with_retry_after_not_500()
    {
        await using var noDatabase = orders.WithWebHostBuilder(builder =>
            builder.UseSetting($"ConnectionStrings:{ResourceNames.OrdersDb}",
                "Host=127.0.0.1;Port=9;Database=x;Username=x;Password=x;Timeout=1"));
        using var http = noDatabase.CreateClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Bearer", TestTokens.For(Guid.NewGuid(), AuthenticationExtensions.CustomerRole));

        var watch = Stopwatch.StartNew();
        using var list = await http.GetAsync(new Uri("/api/orders", UriKind.Relative));
        var listTook = watch.Elapsed;
        var (placed, body) = await OrdersServiceFactory.OrderAsync(
            http, new { planId = "vps-s", periodMonths = 1 }, Guid.NewGuid().ToString());

        Assert.True(listTook < TimeSpan.FromSeconds(25), $"the answer took {listTook}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, list.StatusCode);
        Assert.Equal("5", list.Headers.RetryAfter?.ToString());
        var problem = await list.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("service_unavailable", JsonApi.Code(problem));
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "service_unavailable"), (placed, JsonApi.Code(body)));
    }

    // Every connection of the service's pool is in use (here its only one, held by the test): a request waits for
    // one up to the connection string's Timeout on each try and is then answered as an outage, never as a 500; once
    // a connection is free again it is served.
    [Fact]
    public async Task A_request_while_the_connection_pool_is_exhausted_answers_503_not_500()
    {
        await using var onePool = orders.WithWebHostBuilder(builder =>
            builder.UseSetting($"ConnectionStrings:{ResourceNames.OrdersDb}",
                $"{orders.ConnectionString};Maximum Pool Size=1;Timeout=1"));
        using var http = onePool.CreateClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Bearer", TestTokens.For(Guid.NewGuid(), AuthenticationExtensions.CustomerRole));
        await ServiceHealth.WaitForHealthyAsync(http);
        string pooled;
        await using (var scope = onePool.Services.CreateAsyncScope())
        {
            pooled = scope.ServiceProvider.GetRequiredService<OrdersDbContext>().Database.GetConnectionString()!;
        }

        // The same connection string, so the same pool; the service's background work may hold it for a moment.
        var held = await Eventually.ValueAsync(
            async () =>
            {
                var connection = new NpgsqlConnection(pooled);
                try
                {
                    await connection.OpenAsync();
                    return connection;
                }
                catch (NpgsqlException)
                {
                    await connection.DisposeAsync();
                    return null;
                }
            },
            c => c is not null,
            TimeSpan.FromSeconds(20));
        HttpStatusCode exhausted;
        string? code;
        (TimeSpan?, int) retryAfter;
        await using (held)
        {
            using var list = await http.GetAsync(new Uri("/api/orders", UriKind.Relative));
            exhausted = list.StatusCode;
            var problem = await list.Content.ReadFromJsonAsync<JsonElement>();
            code = JsonApi.Code(problem);
            retryAfter = (list.Headers.RetryAfter?.Delta, problem.GetProperty("retryAfterSeconds").GetInt32());
        }

        using var after = await http.GetAsync(new Uri("/api/orders", UriKind.Relative));

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "service_unavailable"), (exhausted, code));
        Assert.Equal((TimeSpan.FromSeconds(5), 5), retryAfter);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }
}
