using Introserv.BuildingBlocks.Messaging;
using Introserv.Notifications.Data;
using Introserv.Notifications.Messages;
using Introserv.Profile.Contracts;
using MassTransit;

namespace Introserv.Notifications.Consumers;

// The old address is told; the account email moves to the new one, and so does every category that still
// used the old address (categories set to other addresses stay). Changes may arrive out of order: the notice
// goes out for each, but the addresses move only for one newer than the last applied (by Profile's version).
public sealed class EmailChangedConsumer(NotificationsDbContext db, TimeProvider clock)
    : InboxConsumer<NotificationsDbContext, EmailChanged>(db)
{
    protected override async Task HandleAsync(ConsumeContext<EmailChanged> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = context.Message;
        var settings = await SettingsLookup.RequireAsync(Db, message.AccountId, cancellationToken);
        var now = clock.GetUtcNow();
        await Outgoing.EnqueueAsync(
            Db, message.AccountId, message.EventId, MessageTypes.EmailChanged, Categories.Account, message.OldEmail,
            MailTemplates.EmailChanged(settings.FirstName, message.NewEmail), now, cancellationToken);
        if (!message.IsNewerThan(settings.EmailProfileVersion))
        {
            return;
        }

        // After a change that arrived late was skipped, a category may still hold the account's address before it.
        var previous = settings.AccountEmail;
        string Follow(string current) =>
            string.Equals(current, message.OldEmail, StringComparison.OrdinalIgnoreCase)
                || string.Equals(current, previous, StringComparison.OrdinalIgnoreCase)
                ? message.NewEmail
                : current;
        settings.EmailProfileVersion = message.ProfileVersion ?? settings.EmailProfileVersion;
        settings.InvoicesOrdersEmail = Follow(settings.InvoicesOrdersEmail);
        settings.SupportEmail = Follow(settings.SupportEmail);
        settings.ComplaintsEmail = Follow(settings.ComplaintsEmail);
        settings.AccountEmail = message.NewEmail;
        settings.AccountEmailConfirmed = true; // a change is confirmed from the new address
        settings.UpdatedAt = now;
    }
}
