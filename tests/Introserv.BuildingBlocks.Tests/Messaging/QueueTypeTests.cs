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

    // Declares the durable queue again with a type: null when the broker accepts it, else its refusal.
    private static async Task<string?> RedeclareAsync(IConnection connection, string queue, string type)
    {
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            await channel.QueueDeclareAsync(
                queue, durable: true, exclusive: false, autoDelete: false,
                arguments: new Dictionary<string, object?> { ["x-queue-type"] = type });
            return null;
        }
        catch (OperationInterruptedException refused)
        {
            return refused.ShutdownReason?.ReplyText ?? refused.Message;
        }
    }
}
