using Grpc.Health.V1;
using Grpc.Net.Client;
using Introserv.Orders.Data;
using Npgsql;

namespace Introserv.Orders.Tests;

public sealed class ServiceFoundationTests(OrdersServiceFactory factory)
    : IClassFixture<OrdersServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Service_becomes_ready_once_its_database_is_created_and_migrated()
    {
        using var client = factory.CreateClient();

        var status = await WaitForHealthyAsync(client);

        Assert.Equal("Healthy", status);
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrdersDbContext>();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.Contains("20261201105828_InitialCreate", await db.Database.GetAppliedMigrationsAsync());
    }

    [Fact]
    public async Task The_service_opens_a_bounded_pool_of_prepared_connections_to_its_database()
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrdersDbContext>();

        var settings = new NpgsqlConnectionStringBuilder(db.Database.GetConnectionString());

        Assert.Equal(
            (20, 64, true), (settings.MaxPoolSize, settings.MaxAutoPrepare, settings.NoResetOnClose));
    }

    [Fact]
    public async Task Migration_creates_the_outbox_and_inbox_tables_in_the_service_database()
    {
        using var client = factory.CreateClient();
        await WaitForHealthyAsync(client);

        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
            connection);
        var tables = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        Assert.Contains("outbox_messages", tables);
        Assert.Contains("inbox_messages", tables);
        Assert.Contains("__EFMigrationsHistory", tables);
    }

    [Fact]
    public async Task Liveness_does_not_depend_on_the_database()
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync(new Uri("/alive", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Unknown_route_answers_problem_json_with_a_stable_code()
    {
        using var client = factory.CreateClient();

        var response = await client.GetAsync(new Uri("/api/orders/no/such/route", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("not_found", problem.GetProperty("code").GetString());
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("traceId").GetString()));
    }

    [Fact]
    public async Task OpenApi_document_is_published_under_the_service_title()
    {
        using var client = factory.CreateClient();

        var document = await client.GetFromJsonAsync<JsonElement>(new Uri("/openapi/v1.json", UriKind.Relative));

        Assert.Equal("Introserv Orders API", document.GetProperty("info").GetProperty("title").GetString());
        Assert.False(document.TryGetProperty("servers", out var servers) && servers.GetArrayLength() > 0,
            "the document must not advertise the service's internal address");
        // A list of strings says its items are strings (a generated client would otherwise see a list of anything).
        var actions = document.GetProperty("components").GetProperty("schemas").GetProperty("OrderResponse")
            .GetProperty("properties").GetProperty("actions");
        Assert.Equal("string", actions.GetProperty("items").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Grpc_health_service_reports_serving_when_ready()
    {
        using var client = factory.CreateClient();
        await WaitForHealthyAsync(client);
        using var channel = GrpcChannel.ForAddress(factory.Server.BaseAddress, new GrpcChannelOptions
        {
            HttpHandler = factory.Server.CreateHandler(),
        });

        var reply = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }

    private static Task<string> WaitForHealthyAsync(HttpClient client) => ServiceHealth.WaitForHealthyAsync(client);
}
