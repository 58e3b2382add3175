using Introserv.Contracts;
using Introserv.Notifications.Consumers;
using Introserv.Notifications.Data;
using MassTransit;

namespace Introserv.Notifications.Messages;

// What a row composes its mail from besides the event: the account's settings and the service's options.
public sealed record MailInput(NotificationSettings Settings, NotificationsOptions Options);

// One row of MailTable: an event, the message type it becomes and its category.
public abstract record MailRule(Type EventType, string MessageType, string Category)
{
    internal abstract void AddConsumer(IBusRegistrationConfigurator bus);
}

// TEvent becomes one MailRule.MessageType mail. It goes to the address the account set for the category unless
// Recipient says otherwise.
public sealed record MailRule<TEvent>(string MessageType, string Category, Func<TEvent, MailInput, MailContent> Compose)
    : MailRule(typeof(TEvent), MessageType, Category)
    where TEvent : class, IIntegrationEvent
{
    public Func<TEvent, NotificationSettings, string> Recipient { get; init; } =
        (_, settings) => Outgoing.AddressFor(settings, Category);

    // Whether this event becomes a mail at all (every one, unless the row says otherwise).
    public Func<TEvent, bool> When { get; init; } = _ => true;

    internal override void AddConsumer(IBusRegistrationConfigurator bus) =>
        bus.AddConsumer<EventMailConsumer<TEvent>>();
}
