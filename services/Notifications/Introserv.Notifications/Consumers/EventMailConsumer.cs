using Introserv.BuildingBlocks.Messaging;
using Introserv.Contracts;
using Introserv.Notifications.Data;
using Introserv.Notifications.Messages;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Introserv.Notifications.Consumers;

// Turns an event into the one mail its MailTable row describes (once per event: the inbox drops redeliveries and the
// outgoing queue drops a second mail for the same event, type and recipient). Its queue is named after the event
// ("notifications-order-placed").
public sealed class EventMailConsumer<TEvent>(
    NotificationsDbContext db, TimeProvider clock, IOptions<NotificationsOptions> options)
    : InboxConsumer<NotificationsDbContext, TEvent>(db)
    where TEvent : class, IIntegrationEvent
{
    private static readonly MailRule<TEvent> Rule = MailTable.For<TEvent>();

    // The inbox name each mail has had since it was first consumed, so redeliveries stay recognised.
    private static readonly string InboxName = $"Introserv.Notifications.Consumers.{typeof(TEvent).Name}Consumer";

    protected override string ConsumerName => InboxName;

    protected override async Task HandleAsync(ConsumeContext<TEvent> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = context.Message;
        if (!Rule.When(message))
        {
            return;
        }

        var settings = await SettingsLookup.RequireAsync(Db, message.AccountId, cancellationToken);
        var content = Rule.Compose(message, new MailInput(settings, options.Value));
        await Outgoing.EnqueueAsync(Db, message.AccountId, message.EventId, Rule.MessageType, Rule.Category,
            Rule.Recipient(message, settings), content, clock.GetUtcNow(), cancellationToken);
    }
}
