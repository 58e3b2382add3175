using Introserv.BuildingBlocks.Messaging;
using Introserv.Notifications.Data;
using Introserv.Notifications.Messages;
using Introserv.Orders.Contracts;
using MassTransit;

namespace Introserv.Notifications.Consumers;

/// <summary>
/// Low-balance alert: one message when the balance falls below the account's threshold (in its currency), none
/// while it stays below, and armed again once the balance is back at or above the threshold.
/// </summary>
public sealed class BalanceChangedConsumer(NotificationsDbContext db, TimeProvider clock) : InboxConsumer<NotificationsDbContext, BalanceChanged>(db)
{
    protected override async Task HandleAsync(ConsumeContext<BalanceChanged> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = context.Message;
        var settings = await SettingsLookup.RequireAsync(Db, message.AccountId, cancellationToken);
        if (message.LedgerSequence <= settings.BalanceSequence)
        {
            return;
        }

        // The version makes two balance events of one account that are handled at once conflict: the loser is
        // retried and sees the winner's state (and its sequence), so a crossing is never alerted twice.
        settings.BalanceSequence = message.LedgerSequence;
        settings.Version++;
        if (settings.BalanceAlertThreshold is not { } threshold || !string.Equals(settings.BalanceAlertCurrency, message.Currency, StringComparison.Ordinal))
        {
            return;
        }

        var below = message.Balance < threshold;
        if (below && !settings.BalanceBelowThreshold)
        {
            await Outgoing.EnqueueAsync(Db, message.AccountId, message.EventId, MessageTypes.LowBalance, Categories.InvoicesOrders, settings.InvoicesOrdersEmail,
                MailTemplates.LowBalance(settings.FirstName, message.Balance, threshold, message.Currency), clock.GetUtcNow(), cancellationToken);
        }

        settings.BalanceBelowThreshold = below;
    }
}
