using Introserv.BuildingBlocks.Messaging;
using Introserv.Notifications.Data;
using Introserv.Notifications.Messages;
using Introserv.Orders.Contracts;
using MassTransit;

namespace Introserv.Notifications.Consumers;

/// <summary>
/// An Orders event that becomes one mail to the account's invoices/orders address (once per event: the inbox
/// drops redeliveries and the outgoing queue drops a second mail for the same event, type and recipient).
/// </summary>
public abstract class InvoicesOrdersMailConsumer<TEvent>(NotificationsDbContext db, TimeProvider clock) : InboxConsumer<NotificationsDbContext, TEvent>(db)
    where TEvent : class
{
    protected abstract string MessageType { get; }

    protected abstract (Guid AccountId, Guid EventId) Identify(TEvent message);

    protected abstract MailContent Compose(TEvent message, string firstName);

    protected sealed override async Task HandleAsync(ConsumeContext<TEvent> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (accountId, eventId) = Identify(context.Message);
        var settings = await SettingsLookup.RequireAsync(Db, accountId, cancellationToken);
        await Outgoing.EnqueueAsync(Db, accountId, eventId, MessageType, Categories.InvoicesOrders, settings.InvoicesOrdersEmail,
            Compose(context.Message, settings.FirstName), clock.GetUtcNow(), cancellationToken);
    }
}

public sealed class OrderPlacedConsumer(NotificationsDbContext db, TimeProvider clock) : InvoicesOrdersMailConsumer<OrderPlaced>(db, clock)
{
    protected override string MessageType => MessageTypes.OrderPlaced;

    protected override (Guid AccountId, Guid EventId) Identify(OrderPlaced m) => (m.AccountId, m.EventId);

    protected override MailContent Compose(OrderPlaced m, string firstName) => MailTemplates.OrderPlaced(firstName, m.PlanId, m.PeriodMonths, m.Amount, m.Currency);
}

public sealed class OrderActivatedConsumer(NotificationsDbContext db, TimeProvider clock) : InvoicesOrdersMailConsumer<OrderActivated>(db, clock)
{
    protected override string MessageType => MessageTypes.OrderActivated;

    protected override (Guid AccountId, Guid EventId) Identify(OrderActivated m) => (m.AccountId, m.EventId);

    protected override MailContent Compose(OrderActivated m, string firstName) => MailTemplates.OrderActivated(firstName, m.PlanId, m.IpAddress, m.PaidUntil);
}

public sealed class OrderRenewedConsumer(NotificationsDbContext db, TimeProvider clock) : InvoicesOrdersMailConsumer<OrderRenewed>(db, clock)
{
    protected override string MessageType => MessageTypes.OrderRenewed;

    protected override (Guid AccountId, Guid EventId) Identify(OrderRenewed m) => (m.AccountId, m.EventId);

    protected override MailContent Compose(OrderRenewed m, string firstName) => MailTemplates.OrderRenewed(firstName, m.PeriodMonths, m.Amount, m.Currency, m.PaidUntil);
}

public sealed class InvoiceIssuedConsumer(NotificationsDbContext db, TimeProvider clock) : InvoicesOrdersMailConsumer<InvoiceIssued>(db, clock)
{
    protected override string MessageType => MessageTypes.InvoiceIssued;

    protected override (Guid AccountId, Guid EventId) Identify(InvoiceIssued m) => (m.AccountId, m.EventId);

    protected override MailContent Compose(InvoiceIssued m, string firstName) => MailTemplates.InvoiceIssued(firstName, m.InvoiceId, m.Amount, m.Currency);
}

public sealed class InvoicePaidConsumer(NotificationsDbContext db, TimeProvider clock) : InvoicesOrdersMailConsumer<InvoicePaid>(db, clock)
{
    protected override string MessageType => MessageTypes.InvoicePaid;

    protected override (Guid AccountId, Guid EventId) Identify(InvoicePaid m) => (m.AccountId, m.EventId);

    protected override MailContent Compose(InvoicePaid m, string firstName) => MailTemplates.InvoicePaid(firstName, m.InvoiceId, m.Amount, m.Currency);
}

public sealed class OrderPlanChangedConsumer(NotificationsDbContext db, TimeProvider clock) : InvoicesOrdersMailConsumer<OrderPlanChanged>(db, clock)
{
    protected override string MessageType => MessageTypes.OrderPlanChanged;

    protected override (Guid AccountId, Guid EventId) Identify(OrderPlanChanged m) => (m.AccountId, m.EventId);

    protected override MailContent Compose(OrderPlanChanged m, string firstName) => MailTemplates.OrderPlanChanged(firstName, m.FromPlanId, m.ToPlanId, m.Amount, m.Currency);
}

public sealed class OrderCancellationScheduledConsumer(NotificationsDbContext db, TimeProvider clock) : InvoicesOrdersMailConsumer<OrderCancellationScheduled>(db, clock)
{
    protected override string MessageType => MessageTypes.OrderCancellationScheduled;

    protected override (Guid AccountId, Guid EventId) Identify(OrderCancellationScheduled m) => (m.AccountId, m.EventId);

    protected override MailContent Compose(OrderCancellationScheduled m, string firstName) => MailTemplates.OrderCancellationScheduled(firstName, m.PlanId, m.EffectiveAt);
}

public sealed class OrderCancellationWithdrawnConsumer(NotificationsDbContext db, TimeProvider clock) : InvoicesOrdersMailConsumer<OrderCancellationWithdrawn>(db, clock)
{
    protected override string MessageType => MessageTypes.OrderCancellationWithdrawn;

    protected override (Guid AccountId, Guid EventId) Identify(OrderCancellationWithdrawn m) => (m.AccountId, m.EventId);

    protected override MailContent Compose(OrderCancellationWithdrawn m, string firstName) => MailTemplates.OrderCancellationWithdrawn(firstName, m.PlanId);
}

public sealed class OrderCancelledConsumer(NotificationsDbContext db, TimeProvider clock) : InvoicesOrdersMailConsumer<OrderCancelled>(db, clock)
{
    protected override string MessageType => MessageTypes.OrderCancelled;

    protected override (Guid AccountId, Guid EventId) Identify(OrderCancelled m) => (m.AccountId, m.EventId);

    protected override MailContent Compose(OrderCancelled m, string firstName) => MailTemplates.OrderCancelled(firstName, m.PlanId, m.Mode, m.Refund, m.Currency);
}

public sealed class OrderOverdueConsumer(NotificationsDbContext db, TimeProvider clock) : InvoicesOrdersMailConsumer<OrderOverdue>(db, clock)
{
    protected override string MessageType => MessageTypes.OrderOverdue;

    protected override (Guid AccountId, Guid EventId) Identify(OrderOverdue m) => (m.AccountId, m.EventId);

    protected override MailContent Compose(OrderOverdue m, string firstName) => MailTemplates.OrderOverdue(firstName, m.PlanId, m.PaidUntil, m.SuspendsAt);
}

public sealed class OrderSuspendedConsumer(NotificationsDbContext db, TimeProvider clock) : InvoicesOrdersMailConsumer<OrderSuspended>(db, clock)
{
    protected override string MessageType => MessageTypes.OrderSuspended;

    protected override (Guid AccountId, Guid EventId) Identify(OrderSuspended m) => (m.AccountId, m.EventId);

    protected override MailContent Compose(OrderSuspended m, string firstName) => MailTemplates.OrderSuspended(firstName, m.PlanId, m.TerminatesAt);
}

public sealed class OrderTerminatedConsumer(NotificationsDbContext db, TimeProvider clock) : InvoicesOrdersMailConsumer<OrderTerminated>(db, clock)
{
    protected override string MessageType => MessageTypes.OrderTerminated;

    protected override (Guid AccountId, Guid EventId) Identify(OrderTerminated m) => (m.AccountId, m.EventId);

    protected override MailContent Compose(OrderTerminated m, string firstName) => MailTemplates.OrderTerminated(firstName, m.PlanId, m.IpAddress);
}

public sealed class RefundIssuedConsumer(NotificationsDbContext db, TimeProvider clock) : InvoicesOrdersMailConsumer<RefundIssued>(db, clock)
{
    protected override string MessageType => MessageTypes.RefundIssued;

    protected override (Guid AccountId, Guid EventId) Identify(RefundIssued m) => (m.AccountId, m.EventId);

    protected override MailContent Compose(RefundIssued m, string firstName) => MailTemplates.RefundIssued(firstName, m.Amount, m.Currency, m.Reason);
}
