using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Contracts;
using Introserv.Notifications.Data;
using Introserv.Notifications.Messages;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Notifications.Consumers;

/// <summary>A new account: default settings (every category to the account email, news off) and a welcome.</summary>
public sealed class AccountRegisteredConsumer(NotificationsDbContext db, TimeProvider clock) : InboxConsumer<NotificationsDbContext, AccountRegistered>(db)
{
    protected override async Task HandleAsync(ConsumeContext<AccountRegistered> context, CancellationToken cancellationToken)
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

        await Outgoing.EnqueueAsync(Db, message.AccountId, message.EventId, MessageTypes.Welcome, Categories.Account, message.Email,
            MailTemplates.Welcome(message.FirstName, message.Login), now, cancellationToken);
    }
}

/// <summary>Finds the settings of an event's account; an event about an unknown account is retried (its AccountRegistered may still be on the way).</summary>
internal static class SettingsLookup
{
    public static async Task<NotificationSettings> RequireAsync(NotificationsDbContext db, Guid accountId, CancellationToken cancellationToken) =>
        await db.Settings.FirstOrDefaultAsync(s => s.AccountId == accountId, cancellationToken)
        ?? throw new InvalidOperationException($"No notification settings for account {accountId} yet.");
}

public sealed class PasswordChangedConsumer(NotificationsDbContext db, TimeProvider clock) : InboxConsumer<NotificationsDbContext, PasswordChanged>(db)
{
    protected override async Task HandleAsync(ConsumeContext<PasswordChanged> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = context.Message;
        var settings = await SettingsLookup.RequireAsync(Db, message.AccountId, cancellationToken);
        await Outgoing.EnqueueAsync(Db, message.AccountId, message.EventId, MessageTypes.PasswordChanged, Categories.Account, settings.AccountEmail,
            MailTemplates.PasswordChanged(settings.FirstName, message.ChangedFromAddress), clock.GetUtcNow(), cancellationToken);
    }
}

public sealed class IpAllowListChangedConsumer(NotificationsDbContext db, TimeProvider clock) : InboxConsumer<NotificationsDbContext, IpAllowListChanged>(db)
{
    protected override async Task HandleAsync(ConsumeContext<IpAllowListChanged> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = context.Message;
        var settings = await SettingsLookup.RequireAsync(Db, message.AccountId, cancellationToken);
        await Outgoing.EnqueueAsync(Db, message.AccountId, message.EventId, MessageTypes.IpAllowListChanged, Categories.Account, settings.AccountEmail,
            MailTemplates.IpAllowListChanged(settings.FirstName, message.Entries), clock.GetUtcNow(), cancellationToken);
    }
}

public sealed class SecurityCodeSetConsumer(NotificationsDbContext db, TimeProvider clock) : InboxConsumer<NotificationsDbContext, SecurityCodeSet>(db)
{
    protected override async Task HandleAsync(ConsumeContext<SecurityCodeSet> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = context.Message;
        var settings = await SettingsLookup.RequireAsync(Db, message.AccountId, cancellationToken);
        await Outgoing.EnqueueAsync(Db, message.AccountId, message.EventId, MessageTypes.SecurityCodeSet, Categories.Account, settings.AccountEmail,
            MailTemplates.SecurityCodeSet(settings.FirstName, message.SetFromAddress), clock.GetUtcNow(), cancellationToken);
    }
}

public sealed class TwoFactorChangedConsumer(NotificationsDbContext db, TimeProvider clock) : InboxConsumer<NotificationsDbContext, TwoFactorChanged>(db)
{
    protected override async Task HandleAsync(ConsumeContext<TwoFactorChanged> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = context.Message;
        var settings = await SettingsLookup.RequireAsync(Db, message.AccountId, cancellationToken);
        await Outgoing.EnqueueAsync(Db, message.AccountId, message.EventId, MessageTypes.TwoFactorChanged, Categories.Account, settings.AccountEmail,
            MailTemplates.TwoFactorChanged(settings.FirstName, message.Enabled, message.ChangedFromAddress), clock.GetUtcNow(), cancellationToken);
    }
}
