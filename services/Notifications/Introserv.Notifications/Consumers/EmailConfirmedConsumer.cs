using Introserv.BuildingBlocks.Messaging;
using Introserv.Notifications.Data;
using Introserv.Profile.Contracts;
using MassTransit;

namespace Introserv.Notifications.Consumers;

// The account's address is confirmed: news may go to it (only while it is still the account's address).
public sealed class EmailConfirmedConsumer(NotificationsDbContext db)
    : InboxConsumer<NotificationsDbContext, EmailConfirmed>(db)
{
    protected override async Task HandleAsync(
        ConsumeContext<EmailConfirmed> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = context.Message;
        var settings = await SettingsLookup.RequireAsync(Db, message.AccountId, cancellationToken);
        if (string.Equals(settings.AccountEmail, message.Email, StringComparison.OrdinalIgnoreCase)
            && !settings.AccountEmailConfirmed)
        {
            settings.AccountEmailConfirmed = true;
        }
    }
}
