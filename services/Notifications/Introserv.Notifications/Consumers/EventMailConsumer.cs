using Introserv.BuildingBlocks.Messaging;
using Introserv.Contracts;
using Introserv.Notifications.Data;
using Introserv.Notifications.Messages;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Introserv.Notifications.Consumers;

// Turns an event into the one mail its MailTable row describes, once per event: the consumer's inbox row and the
// mail are one statement (their own transaction), so a redelivery inserts neither, and the outgoing queue drops a
// second mail for the same event, type and recipient. The account's settings are read first, outside it: an event
// costs two round trips instead of a transaction of four. Its queue is named after the event
// ("notifications-order-placed").
public sealed class EventMailConsumer<TEvent>(
    NotificationsDbContext db, TimeProvider clock, IOptions<NotificationsOptions> options, MessagingMetrics metrics)
    : IConsumer<TEvent>
    where TEvent : class, IIntegrationEvent
{
    private static readonly MailRule<TEvent> Rule = MailTable.For<TEvent>();

    // The inbox name each mail has had since it was first consumed, so redeliveries stay recognised.
    private static readonly string InboxName = $"Introserv.Notifications.Consumers.{typeof(TEvent).Name}Consumer";

    public async Task Consume(ConsumeContext<TEvent> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = context.Message;
        var inbox = new InboxEntry(
            InboxName,
            context.MessageId
                ?? throw new InvalidOperationException($"{typeof(TEvent).Name} arrived without a message id."),
            clock.GetUtcNow());
        bool recorded;
        if (!Rule.When(message))
        {
            // No mail: the inbox still records that the event was consumed.
            recorded = await Inbox.RecordAsync(db, inbox, context.CancellationToken);
        }
        else
        {
            var settings = await SettingsLookup.ReadAsync(db, message.AccountId, context.CancellationToken);
            var content = Rule.Compose(message, new MailInput(settings, options.Value));
            recorded = await Outgoing.EnqueueOnceAsync(
                db, inbox, new QueuedMail(message.AccountId, message.EventId, Rule.MessageType, Rule.Category,
                    Rule.Recipient(message, settings), content),
                context.CancellationToken);
        }

        if (!recorded)
        {
            metrics.DuplicateSkipped(InboxName);
        }
    }
}
