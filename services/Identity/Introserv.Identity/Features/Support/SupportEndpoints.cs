using System.Globalization;
using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Contracts;
using Introserv.Identity.Features.Security;
using Introserv.Identity.Features.SignIn;

namespace Introserv.Identity.Features.Support;

// The code the caller reads out.
public sealed record SecurityCodeCheckBody(
    [property: RequiredValue, TextLength(SecuritySettings.SecurityCodeMaxLength)] string? Code);

// result: match, mismatch (with attemptsLeft) or not_set.
public sealed record SecurityCodeCheckResponse(string Result, int AttemptsLeft);

// Why support clears it (the customer reads this in the notice).
public sealed record SupportClearBody(
    [property: RequiredValue, TextLength(SupportEndpoints.ReasonMinLength, SupportEndpoints.ReasonMaxLength)]
    string? Reason);

public sealed record SupportClearResponse(string Cleared, DateTimeOffset At);

// The support desk's side of account security, for staff: check the security code a caller reads out (the limits of
// SecurityCodeCheck, audited on the customer's account), and, within SecurityCodeCheck.PassedFor of a passed check by
// the same staff member, clear a locked-out customer's IP allow-list or second factor with a reason (audited; the
// customer is mailed the reason).
public static class SupportEndpoints
{
    public const int ReasonMinLength = 3;
    public const int ReasonMaxLength = 500;

    public static RouteGroupBuilder MapSupportEndpoints(this IEndpointRouteBuilder app)
    {
        var staff = app.MapGroup("/api/staff/accounts/{accountId:guid}").WithTags("Account security (staff)")
            .RequireAuthorization(AuthenticationExtensions.StaffPolicy).Problems(IdentityProblems.CustomerNotFound);
        staff.MapPost("/security-code/check", CheckAsync)
            .WithSummary("Check the security code a caller reads out")
            .WithDescription(
                $"At most {SecurityCodeCheck.MaxFailures} wrong codes per account an hour (then " +
                $"security_code_checks_locked with Retry-After, " +
                "even for the right code); every check is in the customer's audit, never the code.")
            .Problems(IdentityProblems.SecurityCodeChecksLocked);
        staff.MapPost("/ip-allow-list/clear", ClearAllowListAsync)
            .WithSummary("Remove a locked-out customer's IP allow-list (after a passed security-code check)")
            .Problems(IdentityProblems.SecurityCodeCheckRequired, IdentityProblems.NothingToClear);
        staff.MapPost("/two-factor/clear", ClearTwoFactorAsync)
            .WithSummary("Turn off a locked-out customer's second factor (after a passed security-code check)")
            .Problems(IdentityProblems.SecurityCodeCheckRequired, IdentityProblems.NothingToClear);
        staff.MapPost("/call-confirmation/clear", ClearCallConfirmationAsync)
            .WithSummary("Stop confirming a customer's sensitive operations by call, e.g. after the phone was lost " +
                "(after a passed security-code check)")
            .Problems(IdentityProblems.SecurityCodeCheckRequired, IdentityProblems.NothingToClear);
        return staff;
    }

    private static async Task<Results<Ok<SecurityCodeCheckResponse>, ProblemHttpResult>> CheckAsync(
        Guid accountId, SecurityCodeCheckBody body, ClaimsPrincipal user, HttpContext context,
        IdentityServiceDbContext db, IPasswordHasher<Account> hasher, TimeProvider clock)
    {
        var staffId = user.AccountId();
        // The check and its audit entry commit together, whatever the caller does meanwhile.
        return await db.InTransactionAsync(async Task<Results<Ok<SecurityCodeCheckResponse>, ProblemHttpResult>> (ct) =>
        {
            var account = await db.Users.FirstOrDefaultAsync(a => a.Id == accountId, ct);
            if (account is null)
            {
                return NoCustomer();
            }

            var result = await SecurityCodeCheck.RunAsync(db, hasher, clock, context, staffId, account, body.Code!, ct);
            if (result.Outcome == CodeCheckOutcome.Locked)
            {
                var seconds = (int)Math.Ceiling(result.RetryAfter!.Value.TotalSeconds);
                context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                return IdentityProblems.SecurityCodeChecksLocked.Result(
                    $"Too many wrong codes for this account; checks are refused for {seconds} s, " +
                    $"even with the right code.",
                    new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds });
            }

            var text = result.Outcome switch
            {
                CodeCheckOutcome.Match => "match",
                CodeCheckOutcome.Mismatch => "mismatch",
                _ => "not_set",
            };
            return TypedResults.Ok(new SecurityCodeCheckResponse(text, result.AttemptsLeft));
        }, CancellationToken.None);
    }

    private static Task<Results<Ok<SupportClearResponse>, ProblemHttpResult>> ClearAllowListAsync(
        Guid accountId, SupportClearBody body, ClaimsPrincipal user, HttpContext context, IdentityServiceDbContext db,
        TimeProvider clock) =>
        ClearAsync(accountId, body, user, context, db, clock, "ip_allow_list",
            account => account.IpAllowList.Count > 0, (account, now, reason) =>
        {
            account.IpAllowList = [];
            account.IpAllowListVersion++;
            db.AddIntegrationEvent(
                new IpAllowListChanged(
                    Guid.CreateVersion7(now), now, account.Id, [], account.IpAllowListVersion, reason),
                clock);
            return Task.CompletedTask;
        });

    private static Task<Results<Ok<SupportClearResponse>, ProblemHttpResult>> ClearTwoFactorAsync(
        Guid accountId, SupportClearBody body, ClaimsPrincipal user, HttpContext context, IdentityServiceDbContext db,
        TimeProvider clock) =>
        ClearAsync(accountId, body, user, context, db, clock, "two_factor",
            account => account.TotpSecret is not null || account.PhoneSecondFactorAt is not null
                || account.PasskeyCount > 0,
            async (account, now, reason) =>
        {
            await TwoFactor.TwoFactorEndpoints.TurnOffAsync(db, account, CancellationToken.None);
            // A lost device takes its passkeys with it: they go too.
            await db.UserPasskeys.Where(p => p.UserId == account.Id).ExecuteDeleteAsync(CancellationToken.None);
            account.PasskeyCount = 0;
            db.AddIntegrationEvent(
                new TwoFactorChanged(Guid.CreateVersion7(now), now, account.Id, false, null, reason), clock);
        });

    private static Task<Results<Ok<SupportClearResponse>, ProblemHttpResult>> ClearCallConfirmationAsync(
        Guid accountId, SupportClearBody body, ClaimsPrincipal user, HttpContext context, IdentityServiceDbContext db,
        TimeProvider clock) =>
        ClearAsync(accountId, body, user, context, db, clock, "call_confirmation",
            account => account.ConfirmOperationsByCall, (account, now, reason) =>
        {
            account.ConfirmOperationsByCall = false;
            account.ConfirmOperationsByCallSince = null;
            db.AddIntegrationEvent(
                new CallConfirmationChanged(Guid.CreateVersion7(now), now, account.Id, false, null, reason), clock);
            return Task.CompletedTask;
        });

    // Locks the account's row, checks that this staff member passed a security-code check of it lately, applies the
    // change, audits it with the reason and commits with the event that tells the customer.
    private static async Task<Results<Ok<SupportClearResponse>, ProblemHttpResult>> ClearAsync(
        Guid accountId, SupportClearBody body, ClaimsPrincipal user, HttpContext context, IdentityServiceDbContext db,
        TimeProvider clock, string what, Func<Account, bool> isSet, Func<Account, DateTimeOffset, string, Task> clear)
    {
        var staffId = user.AccountId();
        var reason = body.Reason!.Trim();
        var result = await db.InTransactionAsync(
            async Task<Results<Ok<SupportClearResponse>, ProblemHttpResult>> (ct) =>
        {
            await db.Database.ExecuteSqlInterpolatedAsync(
                $"SELECT 1 FROM \"AspNetUsers\" WHERE \"Id\" = {accountId} FOR UPDATE", ct);
            var account = await db.Users.FirstOrDefaultAsync(a => a.Id == accountId, ct);
            if (account is null)
            {
                return NoCustomer();
            }

            var now = clock.GetUtcNow();
            if (!await SecurityCodeCheck.PassedRecentlyAsync(db, accountId, staffId, now, ct))
            {
                return IdentityProblems.SecurityCodeCheckRequired.Result(
                    $"Check the caller's security code first (POST .../security-code/check); " +
                    $"a passed check is good for {SecurityCodeCheck.PassedFor.TotalMinutes:0} minutes.");
            }

            if (!isSet(account))
            {
                return IdentityProblems.NothingToClear.Result(
                    what == "two_factor" ? "The account has no second factor." : "The account has no IP allow-list.");
            }

            await clear(account, now, reason);
            Audit.Record(
                db, account.Id, context, clock, $"{what}_cleared_by_support", $"Cleared by support: {reason}", staffId);
            await db.SaveChangesAsync(ct);
            if (what == "ip_allow_list")
            {
                // The other replicas forget their copy of the account's allow-list when this commits.
                await EntryChangeNotices.SendAsync(db.Database, EntryChangeNotices.AllowList(account.Id), ct);
            }
            return TypedResults.Ok(new SupportClearResponse(what, now));
        }, CancellationToken.None);
        context.RequestServices.GetRequiredService<AccountAllowLists>().Forget(accountId);
        return result;
    }

    private static ProblemHttpResult NoCustomer() =>
        IdentityProblems.CustomerNotFound.Result("No account with this id.");
}
