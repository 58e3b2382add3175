using Introserv.Identity.Features.Passkeys;
using Introserv.Identity.Features.SignIn;
using Introserv.Identity.Features.TwoFactor;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Introserv.Identity.Features.Security;

public sealed record LastAccess(string? Ip, DateTimeOffset? At);

public sealed record AllowListState(IReadOnlyList<string> Entries, long Version);

public sealed record TwoFactorState(
    bool Enabled, IReadOnlyList<string> Methods, int RecoveryCodesLeft, DateTimeOffset? EnabledAt);

public sealed record SessionView(
    Guid Id, string ClientId, string? CreatedIp, DateTimeOffset CreatedAt, string? LastIp, DateTimeOffset LastUsedAt,
    string? UserAgent, bool Current);

public sealed record SecurityOverview(
    Guid AccountId,
    string Login,
    string Email,
    bool EmailConfirmed,
    LastAccess LastAccess,
    LastAccess? PreviousSignIn,
    bool SecurityCodeSet,
    AllowListState IpAllowList,
    TwoFactorState TwoFactor,
    CallConfirmationState CallConfirmation,
    IReadOnlyList<SessionView> Sessions,
    string CurrentAddress);

public sealed record AuditEntryView(
    long Id, DateTimeOffset At, string? Ip, string Action, string? Detail, bool ByStaff);

public sealed record LoginAttemptView(long Id, DateTimeOffset At, string Ip, string Outcome, string? UserAgent);

public sealed record RevokedSessions(int Revoked);

public sealed record TokenAccount(
    Guid AccountId, Guid? SessionId, IReadOnlyList<string> Roles, IReadOnlyList<string> Scopes,
    DateTimeOffset? ExpiresAt);

// The account security section: /api/account/..., every endpoint authenticated.
public static class SecurityEndpoints
{
    public static IEndpointRouteBuilder MapSecurityEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var account = endpoints.MapGroup("/api/account").RequireAuthorization().WithTags("Account security")
            .RequireAllowedAddress()
            .Problems([.. IdentityProblems.Account]);
        account.MapGet("/me", CurrentAccount).WithName("GetTokenAccount")
            .WithSummary("The signed-in account, session, roles and scopes as the access token names them " +
                "(no database read): a cheap check that a token is still accepted");
        account.MapGet("/security", GetOverviewAsync).WithName("GetAccountSecurity")
            .WithSummary("Login, last access, security-code state, IP allow-list, second factor, " +
                "confirmation by call and sessions");
        account.MapPost("/step-up", StepUpEndpoint.HandleAsync).WithName("StepUp")
            .WithSummary("Confirm identity (second factor, or password without one) for sensitive changes")
            .Problems(IdentityProblems.InvalidSecondFactor,
                IdentityProblems.InvalidPassword, IdentityProblems.TooManyAttempts);
        account.MapPasskeyEndpoints();
        account.MapPut("/security-code", SecuritySettings.SetSecurityCodeAsync).WithName("SetSecurityCode")
            .WithSummary("Set the support security code (once; it can never be read or changed)")
            .Problems(IdentityProblems.StepUpRequired, IdentityProblems.ConfirmationUnavailable,
                IdentityProblems.SecurityCodeAlreadySet);
        account.MapPut("/ip-allow-list", SecuritySettings.SetIpAllowListAsync).WithName("SetIpAllowList")
            .WithSummary("Replace the IP allow-list (addresses, a-b ranges, CIDR; empty = no restriction)")
            .Problems(IdentityProblems.StepUpRequired, IdentityProblems.ConfirmationUnavailable,
                IdentityProblems.WouldLockOut);
        account.MapPost("/password", SecuritySettings.ChangePasswordAsync).WithName("ChangePassword")
            .WithSummary("Change the password; every other session is revoked")
            .Problems(IdentityProblems.StepUpRequired, IdentityProblems.ConfirmationUnavailable,
                IdentityProblems.CurrentPasswordIncorrect, IdentityProblems.PasswordReused,
                IdentityProblems.TooManyAttempts);
        account.MapPut("/call-confirmation", CallConfirmationSetting.SetAsync).WithName("SetCallConfirmation")
            .WithSummary("Confirm sensitive operations by call (on: needs a verified phone and a step-up; " +
                "off: confirmed by call itself)")
            .WithDescription("When on, each sensitive operation needs a step-up token for it in the Step-Up-Token " +
                "header: a step_up challenge (POST /api/verification/challenges) confirmed by call or SMS.")
            .Problems(IdentityProblems.StepUpRequired, IdentityProblems.ConfirmationUnavailable,
                IdentityProblems.PhoneNotVerified);
        account.MapGet("/sessions", ListSessionsAsync).WithName("ListSessions")
            .WithSummary("Active sessions, newest first, paged by nextCursor")
            .Paged();
        account.MapDelete("/sessions/{sessionId:guid}", RevokeSessionAsync).WithName("RevokeSession")
            .WithSummary("Revoke one session (its refresh tokens stop working at once)")
            .Problems(IdentityProblems.SessionNotFound);
        account.MapPost("/sessions/revoke-others", RevokeOtherSessionsAsync).WithName("RevokeOtherSessions")
            .WithSummary("Revoke every session but the current one");
        account.MapGet("/audit", GetAuditAsync).WithName("GetAccountAudit")
            .WithSummary("Changes to the account's security, newest first, paged by nextCursor")
            .Paged();
        account.MapGet("/login-history", GetLoginHistoryAsync).WithName("GetLoginHistory")
            .WithSummary("Sign-in attempts, newest first, paged by nextCursor")
            .Paged();
        account.MapTwoFactorEndpoints();
        return endpoints;
    }

    private static Ok<TokenAccount> CurrentAccount(ClaimsPrincipal user) => TypedResults.Ok(new TokenAccount(
        user.AccountId(),
        user.SessionId(),
        [.. user.FindAll(Claims.Role).Select(c => c.Value)],
        [.. user.GetScopes()],
        user.GetExpirationDate()));

    private static async Task<Results<Ok<SecurityOverview>, ProblemHttpResult>> GetOverviewAsync(
        [AsParameters] SecurityCall call, SecondFactorVerifier secondFactor, IOptions<IdentityServerOptions> settings)
    {
        ArgumentNullException.ThrowIfNull(call);
        var (user, context, db, _, clock, cancellationToken) = call;
        // The whole page in one round trip (the section is read often).
        var accountId = user.AccountId();
        var sessionId = user.SessionId();
        var activeSince = clock.GetUtcNow() - settings.Value.RefreshTokenLifetime;
        var page = await OverviewQuery(db, accountId, sessionId, activeSince, cancellationToken);
        if (page is null)
        {
            return AccountContext.AccountGone();
        }

        var account = page.Account;
        return TypedResults.Ok(new SecurityOverview(
            account.Id,
            account.UserName!,
            account.Email!,
            account.EmailConfirmed,
            new LastAccess(account.LastAccessIp, account.LastAccessAt),
            page.Previous is { } previous ? new LastAccess(previous.Ip, previous.At) : null,
            account.SecurityCodeHash is not null,
            new AllowListState(account.IpAllowList, account.IpAllowListVersion),
            new TwoFactorState(
                secondFactor.IsRequiredFor(account), secondFactor.MethodsFor(account), page.RecoveryCodesLeft,
                account.TotpEnabledAt),
            CallConfirmationState.Of(account),
            page.Sessions
                .Select(s => new SessionView(
                    s.Id, s.ClientId, s.CreatedIp, s.CreatedAt, s.LastIp, s.LastUsedAt, s.UserAgent, s.Id == sessionId))
                .ToList(),
            context.ClientAddressText()));
    }

    private sealed record OverviewRow(
        Account Account, int RecoveryCodesLeft, SignInRow? Previous, List<SessionRow> Sessions);

    private sealed record SignInRow(string? Ip, DateTimeOffset At);

    private sealed record SessionRow(
        Guid Id, string ClientId, string? CreatedIp, DateTimeOffset CreatedAt, string? LastIp,
        DateTimeOffset LastUsedAt, string? UserAgent);

    // The account's columns the page shows, its unused recovery codes, the sign-in before the one that started the
    // caller's session (what a customer checks to spot someone else; the last access is the caller's own request)
    // and its active sessions (a session unused for longer than the refresh-token lifetime has ended by itself),
    // newest first. Every part names the account itself, so PostgreSQL reads each table by its account index.
    private static readonly Func<IdentityServiceDbContext, Guid, Guid?, DateTimeOffset, CancellationToken,
        Task<OverviewRow?>> OverviewQuery = EF.CompileAsyncQuery(
            (IdentityServiceDbContext db, Guid accountId, Guid? sessionId, DateTimeOffset activeSince,
                CancellationToken _) => (
                    from a in db.Users.AsNoTracking()
                    where a.Id == accountId
                    from current in db.Sessions.Where(s => s.Id == sessionId).DefaultIfEmpty()
                    select new { Account = a, Started = (DateTimeOffset?)current!.CreatedAt })
                .Select(x => new OverviewRow(
                    new Account
                    {
                        Id = x.Account.Id,
                        UserName = x.Account.UserName,
                        Email = x.Account.Email,
                        EmailConfirmed = x.Account.EmailConfirmed,
                        FirstName = x.Account.FirstName,
                        LastName = x.Account.LastName,
                        LastAccessIp = x.Account.LastAccessIp,
                        LastAccessAt = x.Account.LastAccessAt,
                        SecurityCodeHash = x.Account.SecurityCodeHash,
                        IpAllowList = x.Account.IpAllowList,
                        IpAllowListVersion = x.Account.IpAllowListVersion,
                        TotpSecret = x.Account.TotpSecret,
                        TotpEnabledAt = x.Account.TotpEnabledAt,
                        ConfirmOperationsByCall = x.Account.ConfirmOperationsByCall,
                        ConfirmOperationsByCallSince = x.Account.ConfirmOperationsByCallSince,
                        PhoneSecondFactorAt = x.Account.PhoneSecondFactorAt,
                        PasskeyCount = x.Account.PasskeyCount,
                    },
                    db.RecoveryCodes.Count(c => c.AccountId == accountId && c.UsedAt == null),
                    db.LoginAttempts
                        .Where(l => l.AccountId == accountId && l.Outcome == LoginOutcome.Succeeded
                            && (x.Started == null || l.At <= x.Started))
                        .OrderByDescending(l => l.Id)
                        .Skip(1)
                        .Select(l => new SignInRow(l.Ip, l.At))
                        .FirstOrDefault(),
                    db.Sessions
                        .Where(s => s.AccountId == accountId && s.RevokedAt == null && s.LastUsedAt > activeSince)
                        .OrderByDescending(s => s.LastUsedAt)
                        .Take(100)
                        .Select(s => new SessionRow(
                            s.Id, s.ClientId, s.CreatedIp, s.CreatedAt, s.LastIp, s.LastUsedAt, s.UserAgent))
                        .ToList()))
                .FirstOrDefault());

    private static async Task<Results<Ok<Page<SessionView>>, ProblemHttpResult>> ListSessionsAsync(
        ClaimsPrincipal user, [AsParameters] PageQuery page, IdentityServiceDbContext db,
        IOptions<IdentityServerOptions> settings, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!page.TryRead(out (DateTimeOffset At, Guid Id)? before, out var problem))
        {
            return problem;
        }

        var accountId = user.AccountId();
        var current = user.SessionId();
        var activeSince = clock.GetUtcNow() - settings.Value.RefreshTokenLifetime;
        var query = db.Sessions.Where(s =>
            s.AccountId == accountId && s.RevokedAt == null && s.LastUsedAt > activeSince);
        if (before is var (at, id))
        {
            query = query.Where(s => s.CreatedAt < at || (s.CreatedAt == at && s.Id.CompareTo(id) < 0));
        }

        var rows = await query.OrderByDescending(s => s.CreatedAt).ThenByDescending(s => s.Id).Take(page.Take + 1)
            .Select(s => new SessionView(
                s.Id, s.ClientId, s.CreatedIp, s.CreatedAt, s.LastIp, s.LastUsedAt, s.UserAgent, s.Id == current))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(page.PageOf(rows, s => PageCursor.Encode(s.CreatedAt, s.Id)));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> RevokeSessionAsync(
        Guid sessionId, [AsParameters] SecurityCall call, IOpenIddictAuthorizationManager authorizations,
        IOpenIddictTokenManager tokens)
    {
        ArgumentNullException.ThrowIfNull(call);
        var (user, context, db, _, clock, cancellationToken) = call;
        var revoked = await SessionRevocation.RevokeAsync(
            db, authorizations, tokens, clock, user.AccountId().ToString(), [sessionId], cancellationToken);
        if (revoked == 0)
        {
            return IdentityProblems.SessionNotFound.Result("No active session of this account has that id.");
        }

        Audit.Record(db, user.AccountId(), context, clock, "session_revoked", $"Session {sessionId} revoked");
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<RevokedSessions>> RevokeOtherSessionsAsync(
        [AsParameters] SecurityCall call, IOpenIddictAuthorizationManager authorizations,
        IOpenIddictTokenManager tokens)
    {
        ArgumentNullException.ThrowIfNull(call);
        var (user, context, db, _, clock, cancellationToken) = call;
        var count = await RevokeOthersAsync(db, authorizations, tokens, clock, user, cancellationToken);
        Audit.Record(
            db, user.AccountId(), context, clock, "other_sessions_revoked", $"{count} other session(s) revoked");
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new RevokedSessions(count));
    }

    // Revokes every session of the caller's account except the current one, and ends other browsers' sign-ins.
    public static async Task<int> RevokeOthersAsync(
        IdentityServiceDbContext db,
        IOpenIddictAuthorizationManager authorizations,
        IOpenIddictTokenManager tokens,
        TimeProvider clock,
        ClaimsPrincipal user,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        var accountId = user.AccountId();
        var current = user.SessionId();
        var others = await db.Sessions
            .Where(s => s.AccountId == accountId && s.RevokedAt == null && s.Id != current)
            .Select(s => s.Id)
            .ToListAsync(cancellationToken);
        var count = await SessionRevocation.RevokeAsync(
            db, authorizations, tokens, clock, accountId.ToString(), others, cancellationToken);

        // A new security stamp ends every browser sign-in cookie, so no other browser can silently start a session
        // again.
        await db.Users.Where(a => a.Id == accountId)
            .ExecuteUpdateAsync(
                u => u.SetProperty(a => a.SecurityStamp, Guid.NewGuid().ToString("N")), cancellationToken);
        return count;
    }

    private static async Task<Results<Ok<Page<AuditEntryView>>, ProblemHttpResult>> GetAuditAsync(
        ClaimsPrincipal user, [AsParameters] PageQuery page, IdentityServiceDbContext db,
        CancellationToken cancellationToken)
    {
        if (!page.TryRead(out long? before, out var problem))
        {
            return problem;
        }

        var accountId = user.AccountId();
        var query = db.AuditEntries.Where(e => e.AccountId == accountId);
        if (before is { } id)
        {
            query = query.Where(e => e.Id < id);
        }

        var rows = await query.OrderByDescending(e => e.Id).Take(page.Take + 1)
            .Select(e => new AuditEntryView(e.Id, e.At, e.Ip, e.Action, e.Detail, e.ActorAccountId != null))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(page.PageOf(rows, e => PageCursor.Encode(e.Id)));
    }

    private static async Task<Results<Ok<Page<LoginAttemptView>>, ProblemHttpResult>> GetLoginHistoryAsync(
        ClaimsPrincipal user, [AsParameters] PageQuery page, IdentityServiceDbContext db,
        CancellationToken cancellationToken)
    {
        if (!page.TryRead(out long? before, out var problem))
        {
            return problem;
        }

        var accountId = user.AccountId();
        var query = db.LoginAttempts.Where(a => a.AccountId == accountId);
        if (before is { } id)
        {
            query = query.Where(a => a.Id < id);
        }

        var rows = await query.OrderByDescending(a => a.Id).Take(page.Take + 1).ToListAsync(cancellationToken);
        return TypedResults.Ok(page.PageOf(
            rows.Select(a => new LoginAttemptView(a.Id, a.At, a.Ip, OutcomeName(a.Outcome), a.UserAgent)).ToList(),
            a => PageCursor.Encode(a.Id)));
    }

    private static string OutcomeName(LoginOutcome outcome) => outcome switch
    {
        LoginOutcome.Succeeded => "succeeded",
        LoginOutcome.InvalidCredentials => "invalid_credentials",
        LoginOutcome.SecondFactorRequired => "second_factor_required",
        LoginOutcome.SecondFactorFailed => "second_factor_failed",
        LoginOutcome.Throttled => "throttled",
        LoginOutcome.IpNotAllowed => "ip_not_allowed",
        LoginOutcome.TokenRefreshed => "token_refreshed",
        LoginOutcome.RefreshRefusedIpNotAllowed => "refresh_refused_ip_not_allowed",
        _ => outcome.ToString(),
    };
}
