using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Contracts;
using Introserv.Profile.Features;
using MassTransit;

namespace Introserv.Profile.Consumers;

// Creates the profile of a new account, once (the inbox and the primary key both see to it), and sends the link
// that confirms its address.
public sealed class AccountRegisteredConsumer(ProfileDbContext db, TimeProvider clock)
    : InboxConsumer<ProfileDbContext, AccountRegistered>(db)
{
    protected override async Task HandleAsync(
        ConsumeContext<AccountRegistered> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var message = context.Message;
        if (await Db.Set<CustomerProfile>().AnyAsync(p => p.AccountId == message.AccountId, cancellationToken))
        {
            return;
        }

        var now = clock.GetUtcNow();
        var profile = new CustomerProfile
        {
            AccountId = message.AccountId,
            Login = message.Login,
            FirstName = message.FirstName,
            LastName = message.LastName,
            Email = message.Email,
            Version = 1,
            CreatedAt = now,
            UpdatedAt = now,
        };
        Db.Set<CustomerProfile>().Add(profile);
        await EmailConfirmation.RequestAsync(Db, profile, clock, cancellationToken);
    }
}
