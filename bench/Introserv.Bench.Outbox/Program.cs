// Outbox benchmark against the real local PostgreSQL and RabbitMQ (deploy/local/infra.sh).
// Uses the Orders service's database schema and the production messaging building block.
//   dispatch throughput: N events committed in one transaction, time until the last is confirmed sent;
//   commit-to-consume latency: single-event commits at a steady rate, measured in an inbox consumer.
using System.Collections.Concurrent;
using System.Diagnostics;
using Introserv.Bench.Outbox;
using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Orders.Data;
using Introserv.ServiceDefaults;
using Introserv.Testing;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var throughputEvents = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 20_000;
var latencyEvents = args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 2_000;
const int LatencyRatePerSecond = 200;

var database = LocalInfra.UniqueDatabaseName("bench");
var queue = $"bench-{Guid.NewGuid():N}"[..18];
var builder = Host.CreateApplicationBuilder();
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
{
    [$"ConnectionStrings:{ResourceNames.OrdersDb}"] = LocalInfra.Current.DatabaseConnectionString(database),
    [$"ConnectionStrings:{ResourceNames.RabbitMq}"] = LocalInfra.Current.RabbitMq,
});
builder.AddServiceDatabase<OrdersDbContext>(ResourceNames.OrdersDb);
builder.AddServiceMessaging<OrdersDbContext>(bus => bus.AddConsumer<BenchConsumer>().Endpoint(e =>
{
    e.Name = queue;
    e.Temporary = true;
}));

using var host = builder.Build();
await host.StartAsync();
try
{
    await host.Services.GetRequiredService<MigrationState<OrdersDbContext>>().WhenApplied(CancellationToken.None);
    await host.Services
        .GetRequiredService<IBusControl>()
        .WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30));
    Console.WriteLine($"outbox benchmark: {Environment.ProcessorCount} cores, PostgreSQL + RabbitMQ on loopback");

    // Throughput.
    await using (var scope = host.Services.CreateAsyncScope())
    {
        var db = scope.ServiceProvider.GetRequiredService<OrdersDbContext>();
        for (var i = 0; i < throughputEvents; i++)
        {
            db.AddIntegrationEvent(
                new BenchEventHappened(
                    Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid(), DateTimeOffset.UtcNow, Measure: false),
                TimeProvider.System);
        }

        await db.SaveChangesAsync();
    }

    var stopwatch = Stopwatch.StartNew();
    var consumeWatch = stopwatch;
    while (await PendingAsync(host.Services) > 0)
    {
        await Task.Delay(20);
    }

    var dispatchElapsed = stopwatch.Elapsed;
    Console.WriteLine(
        $"dispatch throughput: {throughputEvents / dispatchElapsed.TotalSeconds:F0} messages/s " +
        $"({throughputEvents} events in {dispatchElapsed.TotalSeconds:F2} s; target >= 1000)");

    // Let the consumer drain the throughput backlog, so latency measures the pipeline, not the queue.
    while (BenchConsumer.Consumed < throughputEvents)
    {
        await Task.Delay(50);
    }

    Console.WriteLine(
        $"all {throughputEvents} consumed through the inbox after {consumeWatch.Elapsed.TotalSeconds:F2} s " +
        $"({throughputEvents / consumeWatch.Elapsed.TotalSeconds:F0} messages/s)");

    // Latency.
    BenchConsumer.Latencies.Clear();
    var interval = TimeSpan.FromSeconds(1.0 / LatencyRatePerSecond);
    var start = Stopwatch.StartNew();
    await Parallel.ForEachAsync(
        Enumerable.Range(0, latencyEvents), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
    {
        var due = interval * i;
        var wait = due - start.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, ct);
        }

        await using var scope = host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrdersDbContext>();
        db.AddIntegrationEvent(
            new BenchEventHappened(
                Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid(), DateTimeOffset.UtcNow, Measure: true),
            TimeProvider.System);
        await db.SaveChangesAsync(ct);
    });

    var deadline = DateTime.UtcNow.AddSeconds(60);
    while (BenchConsumer.Latencies.Count < latencyEvents && DateTime.UtcNow < deadline)
    {
        await Task.Delay(50);
    }

    var sorted = BenchConsumer.Latencies.ToArray();
    Array.Sort(sorted);
    double P(double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(q * sorted.Length) - 1)];
    Console.WriteLine(
        $"commit-to-consume latency ({sorted.Length} events at {LatencyRatePerSecond}/s): p50 {P(0.50):F1} ms, " +
        $"p95 {P(0.95):F1} ms, p99 {P(0.99):F1} ms (target p95 < 1000 ms)");
}
finally
{
    await host.StopAsync();
    await LocalInfra.Current.DropDatabasesAsync(database);
}

static async Task<int> PendingAsync(IServiceProvider services)
{
    await using var scope = services.CreateAsyncScope();
    return await scope.ServiceProvider
        .GetRequiredService<OrdersDbContext>()
        .Set<OutboxMessage>()
        .CountAsync(m => m.SentAt == null);
}

namespace Introserv.Bench.Outbox
{
    public sealed record BenchEventHappened(
        Guid EventId, DateTimeOffset OccurredAt, Guid AccountId, DateTimeOffset CommittedAt, bool Measure)
        : Introserv.Contracts.IIntegrationEvent;

    public sealed class BenchConsumer(OrdersDbContext db) : InboxConsumer<OrdersDbContext, BenchEventHappened>(db)
    {
        public static readonly ConcurrentBag<double> Latencies = [];
        private static int _consumed;

        public static int Consumed => Volatile.Read(ref _consumed);

        protected override Task HandleAsync(
            ConsumeContext<BenchEventHappened> context, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _consumed);
            if (context.Message.Measure)
            {
                Latencies.Add((DateTimeOffset.UtcNow - context.Message.CommittedAt).TotalMilliseconds);
            }

            return Task.CompletedTask;
        }
    }
}
