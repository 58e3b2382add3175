namespace Introserv.Identity.Features.SignIn;

// Writes the login history (events that are not throttled attempts: token refreshes and their refusals).
public sealed class LoginHistory(IdentityServiceDbContext db, TimeProvider clock)
{
    public async Task RecordAsync(
        Guid? accountId, string login, HttpContext context, LoginOutcome outcome, CancellationToken cancellationToken)
    {
        db.LoginAttempts.Add(new LoginAttempt
        {
            AccountId = accountId,
            Login = Normalize(login),
            Ip = context.ClientAddressText(),
            At = clock.GetUtcNow(),
            Outcome = outcome,
            UserAgent = ClientAddress.UserAgentOf(context),
        });
        await db.SaveChangesAsync(cancellationToken);
    }

    // The login as stored in the history: lower case (logins are case-insensitive), truncated.
    public static string Normalize(string login)
    {
        ArgumentNullException.ThrowIfNull(login);
        var lower = login.Trim().ToLowerInvariant();
        return lower.Length > LoginAttempt.LoginMaxLength ? lower[..LoginAttempt.LoginMaxLength] : lower;
    }
}
