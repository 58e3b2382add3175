using Introserv.BuildingBlocks.Messaging;
using Introserv.Profile.Features;
using Introserv.Verification.Contracts;
using MassTransit;

namespace Introserv.Profile.Consumers;

// A phone verified through the Verification API directly (not through the profile's endpoint) still marks the
// profile's number verified, when it is the profile's number.
public sealed class PhoneVerifiedConsumer(ProfileDbContext db, TimeProvider clock)
    : InboxConsumer<ProfileDbContext, PhoneVerified>(db)
{
    protected override async Task HandleAsync(
        ConsumeContext<PhoneVerified> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        await PhoneVerificationEndpoints.MarkVerifiedAsync(
            Db, context.Message.AccountId, context.Message.Phone, "system", null, clock, cancellationToken);
    }
}
