using Introserv.BuildingBlocks.Messaging;
using Introserv.Profile.Contracts;
using MassTransit;

namespace Introserv.Identity.Features.Registration;

// Profile confirmed a new email address: the account takes it (the security section, the email claim), once per event
// through the inbox. When another account already has that address the account keeps its old one and a warning is
// logged (Identity's addresses are unique; support resolves it). Changes may arrive out of order: only one newer than
// the last applied (by Profile's version) is taken.
public sealed class EmailChangedConsumer(
    IdentityServiceDbContext db, ILookupNormalizer normalizer, ILogger<EmailChangedConsumer> logger)
    : InboxConsumer<IdentityServiceDbContext, EmailChanged>(db)
{
    protected override async Task HandleAsync(ConsumeContext<EmailChanged> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = context.Message;
        var account = await Db.Users.FirstOrDefaultAsync(a => a.Id == message.AccountId, cancellationToken);
        if (account is null)
        {
            logger.LogWarning("EmailChanged for unknown account {AccountId} ignored", message.AccountId);
            return;
        }

        if (!message.IsNewerThan(account.EmailProfileVersion))
        {
            logger.LogInformation(
                "EmailChanged (profile version {Version}) for account {AccountId} is older than the " +
                "one applied; ignored",
                message.ProfileVersion, account.Id);
            return;
        }

        account.EmailProfileVersion = message.ProfileVersion ?? account.EmailProfileVersion;
        var email = message.NewEmail.Trim();
        var normalized = normalizer.NormalizeEmail(email);
        if (string.Equals(account.NormalizedEmail, normalized, StringComparison.Ordinal))
        {
            return;
        }

        if (await Db.Users.AnyAsync(a => a.Id != account.Id && a.NormalizedEmail == normalized, cancellationToken))
        {
            logger.LogWarning(
                "Account {AccountId} keeps its email: the confirmed new address belongs to another account",
                account.Id);
            return;
        }

        account.Email = email;
        account.NormalizedEmail = normalized;
        account.EmailConfirmed = true;
        account.ConcurrencyStamp = Guid.NewGuid().ToString();
    }
}
