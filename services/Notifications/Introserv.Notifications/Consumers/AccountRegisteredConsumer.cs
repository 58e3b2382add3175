using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Contracts;
using Introserv.Notifications.Data;
using Introserv.Notifications.Messages;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Notifications.Consumers;

// A new account: default settings (every category to the account email, news off) and a welcome.
public sealed class AccountRegisteredConsumer(NotificationsDbContext db, TimeProvider clock)
    : InboxConsumer<NotificationsDbContext, AccountRegistered>(db)
{
    protected override async Task HandleAsync(
        ConsumeContext<AccountRegistered> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = context.Message;
        var now = clock.GetUtcNow();
        var settings = await Db.Settings.FirstOrDefaultAsync(s => s.AccountId == message.AccountId, cancellationToken);
        if (settings is null)
        {
            settings = new NotificationSettings
            {
                AccountId = message.AccountId,
                AccountEmail = message.Email,
                FirstName = message.FirstName,
                InvoicesOrdersEmail = message.Email,
                SupportEmail = message.Email,
                ComplaintsEmail = message.Email,
                Version = 1,
                UpdatedAt = now,
            };
            Db.Settings.Add(settings);
        }

        await Outgoing.EnqueueAsync(
            Db, message.AccountId, message.EventId, MessageTypes.Welcome, Categories.Account, message.Email,
            MailTemplates.Welcome(message.FirstName, message.Login), now, cancellationToken);
    }
}
