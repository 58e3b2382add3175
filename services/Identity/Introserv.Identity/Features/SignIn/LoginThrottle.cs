namespace Introserv.Identity.Features.SignIn;

// Progressive throttling of sign-in attempts from the login history, per login and per client address.
//
// Per login: after AccountFreeFailures failures within Window (since the last success), each further attempt waits
// 15 s, 30 s, 1 min, ... up to AccountMaxDelay. From an address the account has signed in from before, only that
// address's failures count, so an attacker elsewhere cannot keep the owner out; from other addresses the wait is never
// longer than five minutes. A login that does not exist is throttled exactly like one that does (the rule keys on the
// login typed, not on an account), so the throttle does not tell which logins exist. Per address: after
// AddressFreeFailures failures on any logins, waits grow up to AddressMaxDelay. Nothing is locked permanently.
//
// The decision and the attempt's row are one step: under a transaction-scoped advisory lock per login and per address,
// the failures are counted and the attempt is inserted, presumed failed until it finishes. So twenty parallel guesses
// count as twenty: the sixth already sees five.
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

    private static readonly LoginOutcome[] Failures =
        [LoginOutcome.InvalidCredentials, LoginOutcome.SecondFactorFailed];

    // Decides whether the attempt may go ahead and records it: as presumed (a failure) when admitted, as
    // LoginOutcome.Throttled otherwise. Finish an admitted attempt with FinishAsync or ForgetAsync.
    public async Task<ThrottleDecision> BeginAsync(
        string login, Guid? accountId, HttpContext context, LoginOutcome presumed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(login);
        if (!Failures.Contains(presumed))
        {
            throw new ArgumentOutOfRangeException(
                nameof(presumed), presumed, "An attempt is presumed failed until it finishes.");
        }

        var key = LoginHistory.Normalize(login);
        var ip = context.ClientAddressText();
        var attempt = new LoginAttempt
        {
            AccountId = accountId,
            Login = key,
            Ip = ip,
            At = clock.GetUtcNow(),
            Outcome = presumed,
            UserAgent = ClientAddress.UserAgentOf(context),
        };
        var strategy = db.Database.CreateExecutionStrategy();
        var wait = await strategy.ExecuteAsync(async ct =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            // Always the login first, then the address: two attempts never wait for each other in a cycle.
            await db.Database.ExecuteSqlAsync(
                $"SELECT pg_advisory_xact_lock(hashtextextended({"login:" + key}, 0))", ct);
            await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock(hashtextextended({"ip:" + ip}, 0))", ct);
            var retryAfter = await RetryAfterAsync(key, ip, attempt.At, ct);
            attempt.Outcome = retryAfter is null ? presumed : LoginOutcome.Throttled;
            db.Entry(attempt).State = EntityState.Added;
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return retryAfter;
        }, cancellationToken);
        db.Entry(attempt).State = EntityState.Detached;
        return new ThrottleDecision(attempt.Id, wait);
    }

    // Records how an admitted attempt ended (it stays a failure when it failed).
    // An attempt begun before its account was known (a passkey sign-in) gets the account here.
    public async Task FinishAsync(
        ThrottleDecision decision, LoginOutcome outcome, CancellationToken cancellationToken, Guid? accountId = null)
    {
        ArgumentNullException.ThrowIfNull(decision);
        var attempts = db.LoginAttempts.Where(a => a.Id == decision.AttemptId);
        if (accountId is { } id)
        {
            await attempts.ExecuteUpdateAsync(
                s => s.SetProperty(a => a.Outcome, outcome).SetProperty(a => a.AccountId, id), cancellationToken);
        }
        else
        {
            await attempts.ExecuteUpdateAsync(s => s.SetProperty(a => a.Outcome, outcome), cancellationToken);
        }
    }

    // Removes an admitted attempt that succeeded but is no sign-in (a step-up, a password check).
    public async Task ForgetAsync(ThrottleDecision decision, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decision);
        await db.LoginAttempts.Where(a => a.Id == decision.AttemptId).ExecuteDeleteAsync(cancellationToken);
    }

    // The wait after failures failures (zero below the free allowance).
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

    // How long the caller must wait before another attempt, or null when it may try now.
    private async Task<TimeSpan?> RetryAfterAsync(
        string login, string ip, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var since = now - Window;
        var lastSuccess = await db.LoginAttempts
            .Where(a => a.Login == login && a.At > since && a.Outcome == LoginOutcome.Succeeded)
            .MaxAsync(a => (DateTimeOffset?)a.At, cancellationToken);
        var knownAddress = await db.LoginAttempts.AnyAsync(
            a => a.Login == login && a.At > now - KnownAddressHorizon && a.Ip == ip
                && a.Outcome == LoginOutcome.Succeeded,
            cancellationToken);
        var from = lastSuccess ?? since;
        var failures = db.LoginAttempts.Where(a => a.Login == login && a.At > from && Failures.Contains(a.Outcome));
        if (knownAddress)
        {
            failures = failures.Where(a => a.Ip == ip);
        }

        var wait = await DelayAsync(
            failures, AccountFreeFailures, AccountBaseDelay, AccountMaxDelay, now, cancellationToken);
        var fromAddress = db.LoginAttempts.Where(a => a.Ip == ip && a.At > since && Failures.Contains(a.Outcome));
        return Max(wait, await DelayAsync(
            fromAddress, AddressFreeFailures, AddressBaseDelay, AddressMaxDelay, now, cancellationToken));
    }

    private static async Task<TimeSpan?> DelayAsync(
        IQueryable<LoginAttempt> failures, int free, TimeSpan baseDelay, TimeSpan maxDelay, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var stats = await failures
            .GroupBy(_ => 1)
            .Select(g => new { Count = g.Count(), Last = g.Max(a => a.At) })
            .FirstOrDefaultAsync(cancellationToken);
        if (stats is null)
        {
            return null;
        }

        // Within the free allowance there is no wait at all: another attempt in flight may carry a later time than
        // this one's now, and must not make it wait.
        var delay = DelayAfter(stats.Count, free, baseDelay, maxDelay);
        var until = stats.Last + delay;
        return delay > TimeSpan.Zero && until > now ? until - now : null;
    }

    private static TimeSpan? Max(TimeSpan? a, TimeSpan? b) => (a, b) switch
    {
        (null, _) => b,
        (_, null) => a,
        _ => a > b ? a : b,
    };
}

// The throttle's answer: the attempt's row, and how long to wait when the attempt was refused.
public sealed record ThrottleDecision(long AttemptId, TimeSpan? RetryAfter);
