using Introserv.Contracts;
using Introserv.Notifications.Consumers;
using Introserv.Notifications.Data;
using MassTransit;

namespace Introserv.Notifications.Messages;

/// <summary>What a row composes its mail from besides the event: the account's settings and the service's options.</summary>
public sealed record MailInput(NotificationSettings Settings, NotificationsOptions Options);

/// <summary>One row of <see cref="MailTable"/>: an event, the message type it becomes and its category.</summary>
public abstract record MailRule(Type EventType, string MessageType, string Category)
{
    internal abstract void AddConsumer(IBusRegistrationConfigurator bus);
}

/// <summary>
/// <typeparamref name="TEvent"/> becomes one <see cref="MailRule.MessageType"/> mail. It goes to the address the
/// account set for the category unless <see cref="Recipient"/> says otherwise.
/// </summary>
public sealed record MailRule<TEvent>(string MessageType, string Category, Func<TEvent, MailInput, MailContent> Compose)
    : MailRule(typeof(TEvent), MessageType, Category)
    where TEvent : class, IIntegrationEvent
{
    public Func<TEvent, NotificationSettings, string> Recipient { get; init; } =
        (_, settings) => Outgoing.AddressFor(settings, Category);

    /// <summary>Whether this event becomes a mail at all (every one, unless the row says otherwise).</summary>
    public Func<TEvent, bool> When { get; init; } = _ => true;

    internal override void AddConsumer(IBusRegistrationConfigurator bus) => bus.AddConsumer<EventMailConsumer<TEvent>>();
}
