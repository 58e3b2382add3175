using Introserv.Identity.Features.Security;

namespace Introserv.Identity.Features.Support;

public enum CodeCheckOutcome
{
    Match,
    Mismatch,
    NotSet,
    Locked,
}

public sealed record CodeCheckResult(CodeCheckOutcome Outcome, int AttemptsLeft, TimeSpan? RetryAfter);

// Support checks a security code a caller reads out: at most MaxFailures wrong codes per account per Window; every
// check is audited on the customer's account (who checked and the outcome, never the code). A passed check lets the
// same staff member clear the account's allow-list or second factor for PassedFor.
public static class SecurityCodeCheck
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan Window = TimeSpan.FromHours(1);
    public static readonly TimeSpan PassedFor = TimeSpan.FromMinutes(15);
    public const string CheckedAction = "security_code_checked";
    public const string PassedAction = "security_code_check_passed";
    public const string FailedAction = "security_code_check_failed";
    public const string RefusedAction = "security_code_check_refused";

    // Checks code; call inside a transaction (the account's row is locked for the count).
    public static async Task<CodeCheckResult> RunAsync(
        IdentityServiceDbContext db, IPasswordHasher<Account> hasher, TimeProvider clock, HttpContext http,
        Guid staffId, Account account, string code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(hasher);
        ArgumentNullException.ThrowIfNull(clock);
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(code);
        // One check at a time per account, so concurrent checks cannot exceed the attempt limit.
        await db.Database.ExecuteSqlInterpolatedAsync(
            $"SELECT 1 FROM \"AspNetUsers\" WHERE \"Id\" = {account.Id} FOR UPDATE", cancellationToken);
        var now = clock.GetUtcNow();
        if (account.SecurityCodeHash is null)
        {
            Audit.Record(db, account.Id, http, clock, CheckedAction,
                "Support asked for the security code; none is set", staffId);
            return new CodeCheckResult(CodeCheckOutcome.NotSet, 0, null);
        }

        var since = now - Window;
        var failures = await db.AuditEntries
            .Where(e => e.AccountId == account.Id && e.Action == FailedAction && e.At > since)
            .OrderBy(e => e.At)
            .Select(e => e.At)
            .ToListAsync(cancellationToken);
        if (failures.Count >= MaxFailures)
        {
            Audit.Record(db, account.Id, http, clock, RefusedAction,
                "Support security-code check refused: too many wrong codes", staffId);
            var retry = failures[^MaxFailures] + Window - now;
            return new CodeCheckResult(
                CodeCheckOutcome.Locked, 0, retry > TimeSpan.FromSeconds(1) ? retry : TimeSpan.FromSeconds(1));
        }

        var match = hasher.VerifyHashedPassword(account, account.SecurityCodeHash, code.Trim())
            != PasswordVerificationResult.Failed;
        Audit.Record(
            db, account.Id, http, clock, match ? PassedAction : FailedAction,
            match ? "Support verified the security code" : "Support checked a wrong security code", staffId);
        return new CodeCheckResult(match ? CodeCheckOutcome.Match : CodeCheckOutcome.Mismatch,
            MaxFailures - failures.Count - (match ? 0 : 1), null);
    }

    // Whether staffId passed a check of the account's code within PassedFor.
    public static Task<bool> PassedRecentlyAsync(
        IdentityServiceDbContext db, Guid accountId, Guid staffId, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var since = now - PassedFor;
        return db.AuditEntries.AnyAsync(
            e => e.AccountId == accountId && e.Action == PassedAction && e.ActorAccountId == staffId && e.At > since,
            cancellationToken);
    }
}
