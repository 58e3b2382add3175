using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Contracts;

namespace Introserv.Identity.Features.SignIn;

// After a successful sign-in: when the account has signed in before, but never from this address (as far as the login
// history reaches), publishes SignedInFromNewAddress so the customer is told by mail. Sign-ins are compared by their
// attempt's place in the history, not by which finished first, and the event's id is the same for one account, address
// and day: parallel sign-ins from a new address make one notice, not two (Notifications sends one mail per event id)
// and not none.
public sealed class NewAddressNotice(IdentityServiceDbContext db, TimeProvider clock)
{
    // How many earlier successful sign-ins are compared.
    public const int Horizon = 200;

    // Publishes the notice when this sign-in (its attemptId in the login history) comes from a new address.
    public async Task CheckAsync(
        Guid accountId, long attemptId, HttpContext context, CancellationToken cancellationToken)
    {
        var address = context.ClientAddressText();
        var earlier = await db.LoginAttempts.AsNoTracking()
            .Where(a => a.AccountId == accountId && a.Outcome == LoginOutcome.Succeeded && a.Id < attemptId)
            .OrderByDescending(a => a.Id).Take(Horizon).Select(a => a.Ip)
            .ToListAsync(cancellationToken);
        if (earlier.Count == 0 || earlier.Contains(address))
        {
            return;
        }

        var now = clock.GetUtcNow();
        db.AddIntegrationEvent(
            new SignedInFromNewAddress(
                NoticeId(accountId, address, now), now, accountId, address, ClientAddress.UserAgentOf(context)),
            clock);
        await db.SaveChangesAsync(cancellationToken);
    }

    // One id per account, address and UTC day: repeated notices of it are one mail.
    public static Guid NoticeId(Guid accountId, string address, DateTimeOffset at)
    {
        var day = at.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        var hash = System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes($"new-sign-in-address|{accountId:N}|{address}|{day}"));
        return new Guid(hash.AsSpan(0, 16));
    }
}
