using System.Diagnostics.Metrics;
using Introserv.BuildingBlocks.Messaging;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Introserv.BuildingBlocks.Tests.Messaging;

// A row the dispatcher can never publish (its type is unknown after a rollback, its payload does not
// deserialise) is retried on its own schedule, then dead-lettered; the rows behind it and the health check
// never notice. The host allows the default 5 attempts, 0.25 s apart doubling (3.75 s in all).
[Collection(MessagingDefinition.Name)]
public sealed class PoisonMessageTests(MessagingHost host)
{
    private const string DuplicateProbeType =
        "Introserv.BuildingBlocks.Tests.Messaging.DuplicateProbeHappened, Introserv.BuildingBlocks.Tests";

    [Theory]
    [InlineData("Introserv.Retired.Contracts.ServiceRetired, Introserv.Retired.Contracts",
        """{"eventId":"9d7f3c1e-0000-4000-8000-000000000001"}""")]
    [InlineData(DuplicateProbeType, """{"eventId":"not-a-guid","accountId":7}""")]
    public async Task A_poison_row_is_dead_lettered_after_its_attempts_while_later_rows_flow_and_health_stays_healthy(
        string messageType, string payload)
    {
        var poisonId = Guid.NewGuid();
        var deadLettered = new List<string>();
        using var listener = ListenToDeadLetters(deadLettered);
        await host.QueryAsync(async db =>
        {
            // Oldest first: every claim of the dispatcher sees it before the rows committed after it.
            db.Set<OutboxMessage>().Add(new OutboxMessage
            {
                Id = poisonId,
                MessageType = messageType,
                Payload = payload,
                CreatedAt = DateTimeOffset.UtcNow.AddMinutes(-1),
            });
            return await db.SaveChangesAsync();
        });
        Assert.True(await Eventually.TrueAsync(
            async () => await host.QueryAsync(db =>
                db.Set<OutboxMessage>().AnyAsync(m => m.Id == poisonId && m.Attempts >= 1)),
            TimeSpan.FromSeconds(10)), "the dispatcher never tried the poison row");

        var followers = Enumerable.Range(0, 20)
            .Select(_ => new DuplicateProbeHappened(Guid.NewGuid(), DateTimeOffset.UtcNow, Guid.NewGuid()))
            .ToList();
        await host.CommitAsync([.. followers]);
        var ids = followers.Select(f => f.EventId).ToList();

        var health = host.Host.Services.GetRequiredService<HealthCheckService>();
        var statuses = new List<HealthStatus>();
        var done = await Eventually.TrueAsync(async () =>
        {
            var report = await health.CheckHealthAsync(r => r.Name == $"{nameof(MessagingTestDbContext)}-outbox");
            statuses.AddRange(report.Entries.Values.Select(e => e.Status));
            return await host.QueryAsync(db => db.Set<OutboxDeadLetter>().AnyAsync(d => d.Id == poisonId))
                && await host.QueryAsync(db =>
                    db.Effects.CountAsync(e => ids.Contains(e.MessageId))) == followers.Count;
        }, TimeSpan.FromSeconds(30));

        Assert.True(done, "the poison row was not dead-lettered or the rows after it were not all consumed");
        Assert.NotEmpty(statuses);
        Assert.All(statuses, s => Assert.Equal(HealthStatus.Healthy, s));
        var dead = await host.QueryAsync(db => db.Set<OutboxDeadLetter>().SingleAsync(d => d.Id == poisonId));
        Assert.Equal(5, dead.Attempts);
        Assert.Equal(messageType, dead.MessageType);
        Assert.NotNull(dead.LastError);
        Assert.DoesNotContain("not-a-guid", dead.LastError, StringComparison.Ordinal);
        Assert.False(await host.QueryAsync(db => db.Set<OutboxMessage>().AnyAsync(m => m.Id == poisonId)));
        lock (deadLettered)
        {
            Assert.Equal([messageType], deadLettered);
        }
    }

    private static MeterListener ListenToDeadLetters(List<string> messageTypes)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == MessagingMetrics.MeterName
                    && instrument.Name == "introserv.outbox.dead_lettered")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "message_type")
                {
                    lock (messageTypes)
                    {
                        messageTypes.Add((string)tag.Value!);
                    }
                }
            }
        });
        listener.Start();
        return listener;
    }
}
