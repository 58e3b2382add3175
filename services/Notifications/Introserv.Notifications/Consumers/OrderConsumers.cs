using Introserv.BuildingBlocks.Messaging;
using Introserv.Notifications.Data;
using Introserv.Notifications.Messages;
using Introserv.Orders.Contracts;
using MassTransit;

namespace Introserv.Notifications.Consumers;

/// <summary>Order and invoice events go to the account's invoices/orders address.</summary>
public sealed class OrderPlacedConsumer(NotificationsDbContext db, TimeProvider clock) : InboxConsumer<NotificationsDbContext, OrderPlaced>(db)
{
    protected override async Task HandleAsync(ConsumeContext<OrderPlaced> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var m = context.Message;
        var settings = await SettingsLookup.RequireAsync(Db, m.AccountId, cancellationToken);
        await Outgoing.EnqueueAsync(Db, m.AccountId, m.EventId, MessageTypes.OrderPlaced, Categories.InvoicesOrders, settings.InvoicesOrdersEmail,
            MailTemplates.OrderPlaced(settings.FirstName, m.PlanId, m.PeriodMonths, m.Amount, m.Currency), clock.GetUtcNow(), cancellationToken);
    }
}

public sealed class OrderActivatedConsumer(NotificationsDbContext db, TimeProvider clock) : InboxConsumer<NotificationsDbContext, OrderActivated>(db)
{
    protected override async Task HandleAsync(ConsumeContext<OrderActivated> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var m = context.Message;
        var settings = await SettingsLookup.RequireAsync(Db, m.AccountId, cancellationToken);
        await Outgoing.EnqueueAsync(Db, m.AccountId, m.EventId, MessageTypes.OrderActivated, Categories.InvoicesOrders, settings.InvoicesOrdersEmail,
            MailTemplates.OrderActivated(settings.FirstName, m.PlanId, m.IpAddress, m.PaidUntil), clock.GetUtcNow(), cancellationToken);
    }
}

public sealed class OrderRenewedConsumer(NotificationsDbContext db, TimeProvider clock) : InboxConsumer<NotificationsDbContext, OrderRenewed>(db)
{
    protected override async Task HandleAsync(ConsumeContext<OrderRenewed> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var m = context.Message;
        var settings = await SettingsLookup.RequireAsync(Db, m.AccountId, cancellationToken);
        await Outgoing.EnqueueAsync(Db, m.AccountId, m.EventId, MessageTypes.OrderRenewed, Categories.InvoicesOrders, settings.InvoicesOrdersEmail,
            MailTemplates.OrderRenewed(settings.FirstName, m.PeriodMonths, m.Amount, m.Currency, m.PaidUntil), clock.GetUtcNow(), cancellationToken);
    }
}

public sealed class InvoiceIssuedConsumer(NotificationsDbContext db, TimeProvider clock) : InboxConsumer<NotificationsDbContext, InvoiceIssued>(db)
{
    protected override async Task HandleAsync(ConsumeContext<InvoiceIssued> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var m = context.Message;
        var settings = await SettingsLookup.RequireAsync(Db, m.AccountId, cancellationToken);
        await Outgoing.EnqueueAsync(Db, m.AccountId, m.EventId, MessageTypes.InvoiceIssued, Categories.InvoicesOrders, settings.InvoicesOrdersEmail,
            MailTemplates.InvoiceIssued(settings.FirstName, m.InvoiceId, m.Amount, m.Currency), clock.GetUtcNow(), cancellationToken);
    }
}

public sealed class InvoicePaidConsumer(NotificationsDbContext db, TimeProvider clock) : InboxConsumer<NotificationsDbContext, InvoicePaid>(db)
{
    protected override async Task HandleAsync(ConsumeContext<InvoicePaid> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var m = context.Message;
        var settings = await SettingsLookup.RequireAsync(Db, m.AccountId, cancellationToken);
        await Outgoing.EnqueueAsync(Db, m.AccountId, m.EventId, MessageTypes.InvoicePaid, Categories.InvoicesOrders, settings.InvoicesOrdersEmail,
            MailTemplates.InvoicePaid(settings.FirstName, m.InvoiceId, m.Amount, m.Currency), clock.GetUtcNow(), cancellationToken);
    }
}
