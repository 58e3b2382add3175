using Introserv.BuildingBlocks.Messaging;
using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Introserv.BuildingBlocks.Tests.Messaging;

// The services declare quorum queues (replicated on a RabbitMQ cluster, kept on disk), their _error queues included.
// A queue's type is read back by declaring it again with a type: the broker accepts only its own type (406 otherwise).
[Collection(MessagingDefinition.Name)]
public sealed class QueueTypeTests(MessagingHost host)
{
    [Fact]
    public async Task Every_consumer_queue_and_its_error_queue_is_a_quorum_queue()
    {
        // A message that fails every retry makes the consumer's _error queue.
        await host.CommitAsync(new FailingProbeHappened(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid()));
        await using var connection = await MessagingHost.ConnectToBrokerAsync();
        var errorQueue = $"{host.FailingQueue}_error";
        Assert.True(
            await Eventually.TrueAsync(async () => await ExistsAsync(connection, errorQueue), TimeSpan.FromSeconds(30)),
            "the error queue was never declared");

        var queues = new[] { "outage", "duplicate", "rollback", "failing", "race", "trace" }
            .Select(suffix => $"{host.QueuePrefix}-{suffix}")
            .Append(errorQueue)
            .ToList();
        foreach (var queue in queues)
        {
            Assert.Equal((queue, (string?)null), (queue, await RedeclareAsync(connection, queue, "quorum")));
            // The same question with the other type is refused: the check tells the types apart.
            Assert.Contains(
                "x-queue-type", await RedeclareAsync(connection, queue, "classic"), StringComparison.Ordinal);
        }

        await using var channel = await connection.CreateChannelAsync();
        await channel.QueuePurgeAsync(errorQueue);
    }

    // A test host's temporary queue expires when unused, so the broker deletes it at some moment while other hosts
    // publish: it is a classic queue with an expiry, as a quorum queue being deleted can lose a publisher confirm.
    [Fact]
    public async Task A_temporary_queue_is_a_classic_queue_that_expires()
    {
        var queue = $"test-{Guid.NewGuid():N}"[..17] + "-temporary";
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"ConnectionStrings:{ResourceNames.RabbitMq}"] = LocalInfra.Current.RabbitMq,
            ["Messaging:TemporaryEndpoints"] = "true",
            ["Messaging:TemporaryEndpointExpiry"] = "00:01:30",
        });
        builder.AddServiceMessaging(bus => bus.AddConsumer<RaceProbeConsumer>().Endpoint(e => e.Name = queue));
        using (var app = builder.Build())
        {
            await app.StartAsync();
            await app.Services.GetRequiredService<IBusControl>()
                .WaitForHealthStatus(BusHealthStatus.Healthy, TimeSpan.FromSeconds(30));
            await app.StopAsync();
        }

        await using var connection = await MessagingHost.ConnectToBrokerAsync();
        try
        {
            Assert.Null(await RedeclareAsync(connection, queue, "classic", expiresMs: 90_000));
            Assert.Contains("x-queue-type", await RedeclareAsync(connection, queue, "quorum", expiresMs: 90_000),
                StringComparison.Ordinal);
            Assert.Contains("x-expires", await RedeclareAsync(connection, queue, "classic", expiresMs: 60_000),
                StringComparison.Ordinal);
        }
        finally
        {
            await using var channel = await connection.CreateChannelAsync();
            await channel.QueueDeleteAsync(queue, ifUnused: false, ifEmpty: false);
        }
    }

    private static async Task<bool> ExistsAsync(IConnection connection, string queue)
    {
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            await channel.QueueDeclarePassiveAsync(queue);
            return true;
        }
        catch (OperationInterruptedException)
        {
            return false;
        }
    }

    // Declares the durable queue again with a type (and an expiry): null when the broker accepts it, else its refusal.
    private static async Task<string?> RedeclareAsync(
        IConnection connection, string queue, string type, int? expiresMs = null)
    {
        await using var channel = await connection.CreateChannelAsync();
        var arguments = new Dictionary<string, object?> { ["x-queue-type"] = type };
        if (expiresMs is { } expires)
        {
            arguments["x-expires"] = expires;
        }

        try
        {
            await channel.QueueDeclareAsync(
                queue, durable: true, exclusive: false, autoDelete: false, arguments: arguments);
            return null;
        }
        catch (OperationInterruptedException refused)
        {
            return refused.ShutdownReason?.ReplyText ?? refused.Message;
        }
    }
}
