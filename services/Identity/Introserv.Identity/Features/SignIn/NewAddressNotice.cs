using Introserv.ServiceDefaults;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Contracts;
using Introserv.Identity.Data;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Identity.Features.SignIn;

/// <summary>
/// After a successful sign-in: when the account has signed in before, but never from this address (as far as the
/// login history reaches), publishes <see cref="SignedInFromNewAddress"/> so the customer is told by mail.
/// </summary>
public sealed class NewAddressNotice(IdentityServiceDbContext db, TimeProvider clock)
{
    /// <summary>How many earlier successful sign-ins are compared.</summary>
    public const int Horizon = 200;

    public async Task CheckAsync(Guid accountId, HttpContext context, CancellationToken cancellationToken)
    {
        var address = context.ClientAddressText();
        // The newest success is this sign-in, recorded just before.
        var earlier = await db.LoginAttempts.AsNoTracking()
            .Where(a => a.AccountId == accountId && a.Outcome == LoginOutcome.Succeeded)
            .OrderByDescending(a => a.Id).Skip(1).Take(Horizon).Select(a => a.Ip)
            .ToListAsync(cancellationToken);
        if (earlier.Count == 0 || earlier.Contains(address))
        {
            return;
        }

        var now = clock.GetUtcNow();
        db.AddIntegrationEvent(new SignedInFromNewAddress(Guid.CreateVersion7(now), now, accountId, address, ClientAddress.UserAgentOf(context)), clock);
        await db.SaveChangesAsync(cancellationToken);
    }
}
