using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Contracts;
using Introserv.Verification.Data;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Verification.Consumers;

// Identity's "confirm sensitive operations by call", kept beside the verified phone it protects: while it is on, the
// phone cannot be replaced without a call to it (ChallengeService). The newest event wins, whatever the arrival order.
public sealed class CallConfirmationChangedConsumer(VerificationDbContext db)
    : InboxConsumer<VerificationDbContext, CallConfirmationChanged>(db)
{
    protected override async Task HandleAsync(
        ConsumeContext<CallConfirmationChanged> context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var change = context.Message;
        await Db.VerifiedPhones
            .Where(p => p.AccountId == change.AccountId
                && (p.ConfirmByCallChangedAt == null || p.ConfirmByCallChangedAt < change.OccurredAt))
            .ExecuteUpdateAsync(
                u => u.SetProperty(p => p.ConfirmByCall, change.Enabled)
                    .SetProperty(p => p.ConfirmByCallChangedAt, change.OccurredAt),
                cancellationToken);
    }
}
