using Introserv.BuildingBlocks.Messaging;
using Introserv.Notifications.Consumers;
using Introserv.Notifications.Data;
using Introserv.Notifications.Messages;
using Introserv.Orders.Contracts;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Notifications.Features.LowBalanceAlert;

// Applies LowBalanceAlertRule to each balance change of an account, in ledger order: a change older than the last one
// applied is skipped, so a late redelivery cannot re-arm or repeat the alert.
public sealed class LowBalanceAlertConsumer(NotificationsDbContext db, TimeProvider clock)
    : InboxConsumer<NotificationsDbContext, BalanceChanged>(db)
{
    protected override async Task HandleAsync(
        ConsumeContext<BalanceChanged> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = context.Message;
        // The row lock makes two balance events of one account handled at once take turns: the second reads the
        // first's state (and its sequence), so a crossing is never alerted twice. Locked and read in one statement
        // (not composed, so FOR UPDATE applies to the row itself).
        var locked = await Db.Settings
            .FromSqlInterpolated(
                $"SELECT * FROM notification_settings WHERE \"AccountId\" = {message.AccountId} FOR UPDATE")
            .ToListAsync(cancellationToken);
        var settings = locked.SingleOrDefault()
            ?? throw SettingsLookup.NotYet(message.AccountId);
        if (message.LedgerSequence <= settings.BalanceSequence)
        {
            return;
        }

        settings.BalanceSequence = message.LedgerSequence;
        var outcome = LowBalanceAlertRule.Evaluate(
            settings.BalanceAlertThreshold, settings.BalanceAlertCurrency, settings.BalanceBelowThreshold,
            message.Balance, message.Currency);
        if (outcome.Alert)
        {
            await Outgoing.EnqueueAsync(
                Db, message.AccountId, message.EventId, MessageTypes.LowBalance, Categories.InvoicesOrders,
                settings.InvoicesOrdersEmail,
                MailTemplates.LowBalance(
                    settings.FirstName, message.Balance, settings.BalanceAlertThreshold!.Value, message.Currency),
                clock.GetUtcNow(), cancellationToken);
        }

        settings.BalanceBelowThreshold = outcome.Below;
    }
}
