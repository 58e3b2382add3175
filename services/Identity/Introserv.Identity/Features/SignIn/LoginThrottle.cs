using Introserv.Identity.Data;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Identity.Features.SignIn;

/// <summary>
/// Progressive throttling of sign-in attempts from the login history, per account and per client address.
/// <para>
/// Per account: after <see cref="AccountFreeFailures"/> failures within <see cref="Window"/> (since the last
/// success), each further attempt waits 15 s, 30 s, 1 min, ... up to <see cref="AccountMaxDelay"/>. From an
/// address the account has signed in from before, only that address's failures count, so an attacker
/// elsewhere cannot keep the owner out; from other addresses the wait is never longer than five minutes.
/// Per address: after <see cref="AddressFreeFailures"/> failures on any accounts, waits grow up to
/// <see cref="AddressMaxDelay"/>. Nothing is locked permanently.
/// </para>
/// </summary>
public sealed class LoginThrottle(IdentityServiceDbContext db, TimeProvider clock)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    public const int AccountFreeFailures = 5;
    public static readonly TimeSpan AccountBaseDelay = TimeSpan.FromSeconds(15);
    public static readonly TimeSpan AccountMaxDelay = TimeSpan.FromMinutes(5);
    public const int AddressFreeFailures = 20;
    public static readonly TimeSpan AddressBaseDelay = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan AddressMaxDelay = TimeSpan.FromMinutes(15);
    public static readonly TimeSpan KnownAddressHorizon = TimeSpan.FromDays(90);

    private static readonly LoginOutcome[] Failures = [LoginOutcome.InvalidCredentials, LoginOutcome.SecondFactorFailed];

    /// <summary>How long the caller must wait before another attempt, or null when it may try now.</summary>
    public async Task<TimeSpan?> RetryAfterAsync(Guid? accountId, string ip, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var since = now - Window;
        TimeSpan? wait = null;

        if (accountId is { } id)
        {
            var lastSuccess = await db.LoginAttempts
                .Where(a => a.AccountId == id && a.Outcome == LoginOutcome.Succeeded)
                .MaxAsync(a => (DateTimeOffset?)a.At, cancellationToken);
            var knownAddress = await db.LoginAttempts.AnyAsync(
                a => a.AccountId == id && a.Ip == ip && a.Outcome == LoginOutcome.Succeeded && a.At > now - KnownAddressHorizon,
                cancellationToken);
            var from = lastSuccess is { } success && success > since ? success : since;
            var failures = db.LoginAttempts.Where(a => a.AccountId == id && a.At > from && Failures.Contains(a.Outcome));
            if (knownAddress)
            {
                failures = failures.Where(a => a.Ip == ip);
            }

            wait = Max(wait, await DelayAsync(failures, AccountFreeFailures, AccountBaseDelay, AccountMaxDelay, now, cancellationToken));
        }

        var fromAddress = db.LoginAttempts.Where(a => a.Ip == ip && a.At > since && Failures.Contains(a.Outcome));
        wait = Max(wait, await DelayAsync(fromAddress, AddressFreeFailures, AddressBaseDelay, AddressMaxDelay, now, cancellationToken));
        return wait;
    }

    /// <summary>The wait after <paramref name="failures"/> failures (zero below the free allowance).</summary>
    public static TimeSpan DelayAfter(int failures, int free, TimeSpan baseDelay, TimeSpan maxDelay)
    {
        if (failures < free)
        {
            return TimeSpan.Zero;
        }

        var exponent = Math.Min(failures - free, 20);
        var delay = baseDelay * Math.Pow(2, exponent);
        return delay > maxDelay ? maxDelay : delay;
    }

    private static async Task<TimeSpan?> DelayAsync(
        IQueryable<LoginAttempt> failures, int free, TimeSpan baseDelay, TimeSpan maxDelay, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var stats = await failures
            .GroupBy(_ => 1)
            .Select(g => new { Count = g.Count(), Last = g.Max(a => a.At) })
            .FirstOrDefaultAsync(cancellationToken);
        if (stats is null)
        {
            return null;
        }

        var until = stats.Last + DelayAfter(stats.Count, free, baseDelay, maxDelay);
        return until > now ? until - now : null;
    }

    private static TimeSpan? Max(TimeSpan? a, TimeSpan? b) => (a, b) switch
    {
        (null, _) => b,
        (_, null) => a,
        _ => a > b ? a : b,
    };
}

/// <summary>Writes the login history.</summary>
public sealed class LoginHistory(IdentityServiceDbContext db, TimeProvider clock)
{
    public async Task RecordAsync(Guid? accountId, string login, HttpContext context, LoginOutcome outcome, CancellationToken cancellationToken)
    {
        db.LoginAttempts.Add(new LoginAttempt
        {
            AccountId = accountId,
            Login = login.Length > LoginAttempt.LoginMaxLength ? login[..LoginAttempt.LoginMaxLength] : login,
            Ip = ClientAddress.TextOf(context),
            At = clock.GetUtcNow(),
            Outcome = outcome,
            UserAgent = ClientAddress.UserAgentOf(context),
        });
        await db.SaveChangesAsync(cancellationToken);
    }
}
