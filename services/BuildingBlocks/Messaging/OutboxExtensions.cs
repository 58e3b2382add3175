using System.Diagnostics;
using System.Text.Json;
using Introserv.Contracts;
using Microsoft.EntityFrameworkCore;

namespace Introserv.BuildingBlocks.Messaging;

public static class OutboxExtensions
{
    internal static readonly JsonSerializerOptions PayloadOptions = new(JsonSerializerDefaults.Web);

    // Adds integrationEvent to the outbox of db. It is saved by the same SaveChanges (and transaction) as the business
    // change, and published after commit.
    public static void AddIntegrationEvent<TEvent>(this DbContext db, TEvent integrationEvent, TimeProvider clock)
        where TEvent : class, IIntegrationEvent
    {
        var type = typeof(TEvent);
        db.Set<OutboxMessage>().Add(new OutboxMessage
        {
            Id = integrationEvent.EventId,
            MessageType = $"{type.FullName}, {type.Assembly.GetName().Name}",
            Payload = JsonSerializer.Serialize(integrationEvent, type, PayloadOptions),
            TraceParent = Activity.Current?.Id,
            CreatedAt = clock.GetUtcNow(),
        });
    }
}
