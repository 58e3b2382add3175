using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Messaging;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;

namespace Introserv.BuildingBlocks.Tests.Messaging;

// A service host with the real messaging building block: its own PostgreSQL database, the real local
// RabbitMQ, the outbox dispatcher and the probe consumers on queues named for this run.
public sealed class MessagingHost : IAsyncLifetime
{
    private const string ConnectionName = "messagingtestdb";

    public string DatabaseName { get; } = LocalInfra.UniqueDatabaseName("messaging");

    public string QueuePrefix { get; } = $"test-{Guid.NewGuid():N}"[..17];

    public IHost Host { get; private set; } = null!;

    public string FailingQueue => $"{QueuePrefix}-failing";

    public async Task InitializeAsync()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{ConnectionName}"] = LocalInfra.Current.DatabaseConnectionString(DatabaseName),
            [$"ConnectionStrings:{ResourceNames.RabbitMq}"] = LocalInfra.Current.RabbitMq,
            ["Messaging:PollInterval"] = "00:00:00.200",
            ["Messaging:PublishTimeout"] = "00:00:03",
            ["Messaging:MaxBackoff"] = "00:00:01",
            ["Messaging:PoisonRetryDelay"] = "00:00:00.250",
            ["Messaging:RetryLimit"] = "2",
            ["Messaging:RetryMinInterval"] = "00:00:00.050",
            ["Messaging:RetryMaxInterval"] = "00:00:00.200",
            ["Messaging:OutageRetryLimit"] = "8",
            ["Messaging:OutageRetryMaxInterval"] = "00:00:00.200",
        });
        builder.Services.AddSingleton(TimeProvider.System);
        builder.AddServiceDatabase<MessagingTestDbContext>(ConnectionName);
        builder.AddServiceMessaging<MessagingTestDbContext>(bus =>
        {
            // Durable queues, as in production: bindings survive a broker restart.
            bus.AddConsumer<OutageProbeConsumer>().Endpoint(e => e.Name = $"{QueuePrefix}-outage");
            bus.AddConsumer<DuplicateProbeConsumer>().Endpoint(e => e.Name = $"{QueuePrefix}-duplicate");
            bus.AddConsumer<RollbackProbeConsumer>().Endpoint(e => e.Name = $"{QueuePrefix}-rollback");
            bus.AddConsumer<FailingProbeConsumer>().Endpoint(e => e.Name = FailingQueue);
            bus.AddConsumer<DatabaseOutageProbeConsumer>().Endpoint(e => e.Name = $"{QueuePrefix}-database-outage");
            bus.AddConsumer<RaceProbeConsumer>().Endpoint(e => e.Name = $"{QueuePrefix}-race");
            bus.AddConsumer<TraceProbeConsumer>().Endpoint(e => e.Name = $"{QueuePrefix}-trace");
        });

        Host = builder.Build();
        await Host.StartAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await Host.Services.GetRequiredService<MigrationState<MessagingTestDbContext>>().WhenApplied(cts.Token);
        await Host.Services
            .GetRequiredService<IBusControl>()
            .WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30));
    }

    public async Task DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
        await DeleteQueuesAsync();
        await LocalInfra.Current.DropDatabasesAsync(DatabaseName);
    }

    // Commits events through the outbox in one transaction, as a service would.
    public async Task CommitAsync(params object[] events)
    {
        await using var scope = Host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<MessagingTestDbContext>();
        foreach (var e in events)
        {
            AddEvent(db, e);
        }

        await db.SaveChangesAsync();
    }

    public static void AddEvent(MessagingTestDbContext db, object e)
    {
        switch (e)
        {
            case OutageProbeHappened x: db.AddIntegrationEvent(x, TimeProvider.System); break;
            case DuplicateProbeHappened x: db.AddIntegrationEvent(x, TimeProvider.System); break;
            case RollbackProbeHappened x: db.AddIntegrationEvent(x, TimeProvider.System); break;
            case FailingProbeHappened x: db.AddIntegrationEvent(x, TimeProvider.System); break;
            case DatabaseOutageProbeHappened x: db.AddIntegrationEvent(x, TimeProvider.System); break;
            case RaceProbeHappened x: db.AddIntegrationEvent(x, TimeProvider.System); break;
            case TraceProbeHappened x: db.AddIntegrationEvent(x, TimeProvider.System); break;
            default: throw new ArgumentException($"not a probe event: {e.GetType()}", nameof(e));
        }
    }

    public async Task<T> QueryAsync<T>(Func<MessagingTestDbContext, Task<T>> query)
    {
        await using var scope = Host.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<MessagingTestDbContext>());
    }

    public async Task<int> CountEffectsAsync(string kind) =>
        await QueryAsync(db => db.Effects.CountAsync(e => e.Kind == kind));

    public static async Task<IConnection> ConnectToBrokerAsync() =>
        await new ConnectionFactory { Uri = new Uri(LocalInfra.Current.RabbitMq) }.CreateConnectionAsync();

    private async Task DeleteQueuesAsync()
    {
        await using var connection = await ConnectToBrokerAsync();
        await using var channel = await connection.CreateChannelAsync();
        foreach (var suffix in new[] { "outage", "duplicate", "rollback", "failing", "failing_error", "race", "trace" })
        {
            await channel.QueueDeleteAsync($"{QueuePrefix}-{suffix}", ifUnused: false, ifEmpty: false);
            await channel.ExchangeDeleteAsync($"{QueuePrefix}-{suffix}", ifUnused: false);
        }
    }
}
