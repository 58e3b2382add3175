using Introserv.BuildingBlocks.Messaging;
using Introserv.Profile.Contracts;
using MassTransit;

namespace Introserv.Identity.Features.Registration;

// Profile confirmed the account's address: password resets may go there. Only while the account still has that
// address (a change that overtook the confirmation carries its own confirmation).
public sealed class EmailConfirmedConsumer(IdentityServiceDbContext db, ILookupNormalizer normalizer)
    : InboxConsumer<IdentityServiceDbContext, EmailConfirmed>(db)
{
    protected override async Task HandleAsync(
        ConsumeContext<EmailConfirmed> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = context.Message;
        var normalized = normalizer.NormalizeEmail(message.Email.Trim());
        await Db.Users.Where(a => a.Id == message.AccountId && a.NormalizedEmail == normalized && !a.EmailConfirmed)
            .ExecuteUpdateAsync(a => a.SetProperty(x => x.EmailConfirmed, true), cancellationToken);
    }
}
