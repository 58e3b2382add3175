using Introserv.Identity.Features.Passkeys;
using Introserv.Identity.Features.SignIn;
using Introserv.Identity.Features.TwoFactor;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
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
        user.Scopes(),
        user.ExpiresAt()));

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
    // The section is read far more often than anything else in Identity: the two statements go in one round trip
    // (a batch) and are read by hand, without EF Core's query pipeline, which cost as much as the rest of the request.
    private const string OverviewSql = """
        SELECT a."Id", a."UserName", a."Email", a."EmailConfirmed", a."FirstName", a."LastName", a."LastAccessIp",
               a."LastAccessAt", a."SecurityCodeHash", a."IpAllowList", a."IpAllowListVersion", a."TotpSecret",
               a."TotpEnabledAt", a."ConfirmOperationsByCall", a."ConfirmOperationsByCallSince",
               a."PhoneSecondFactorAt", a."PasskeyCount",
               (SELECT count(*)::int FROM "RecoveryCodes" c WHERE c."AccountId" = $1 AND c."UsedAt" IS NULL),
               p."Ip", p."At"
        FROM "AspNetUsers" a
        LEFT JOIN "Sessions" cs ON cs."Id" = $2
        LEFT JOIN LATERAL (
            SELECT l."Ip", l."At" FROM "LoginAttempts" l
            WHERE l."AccountId" = $1 AND l."Outcome" = $3
              AND (cs."CreatedAt" IS NULL OR l."At" <= cs."CreatedAt")
            ORDER BY l."Id" DESC
            OFFSET 1 LIMIT 1) p ON TRUE
        WHERE a."Id" = $1
        """;

    private const string SessionsSql = """
        SELECT s."Id", s."ClientId", s."CreatedIp", s."CreatedAt", s."LastIp", s."LastUsedAt", s."UserAgent"
        FROM "Sessions" s
        WHERE s."AccountId" = $1 AND s."RevokedAt" IS NULL AND s."LastUsedAt" > $2
        ORDER BY s."LastUsedAt" DESC
        LIMIT 100
        """;

    private static readonly string SucceededOutcome = LoginOutcome.Succeeded.ToString();

    private static Task<OverviewRow?> OverviewQuery(
        IdentityServiceDbContext db, Guid accountId, Guid? sessionId, DateTimeOffset activeSince,
        CancellationToken cancellationToken) =>
        db.Database.CreateExecutionStrategy().ExecuteAsync(
            async ct =>
            {
                await db.Database.OpenConnectionAsync(ct);
                try
                {
                    await using var batch = new NpgsqlBatch((NpgsqlConnection)db.Database.GetDbConnection());
                    var page = new NpgsqlBatchCommand(OverviewSql);
                    page.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = accountId });
                    page.Parameters.Add(sessionId is { } id
                        ? new NpgsqlParameter<Guid> { TypedValue = id }
                        : new NpgsqlParameter { Value = DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
                    page.Parameters.Add(new NpgsqlParameter<string> { TypedValue = SucceededOutcome });
                    var sessions = new NpgsqlBatchCommand(SessionsSql);
                    sessions.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = accountId });
                    sessions.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = activeSince });
                    batch.BatchCommands.Add(page);
                    batch.BatchCommands.Add(sessions);
                    await using var reader = await batch.ExecuteReaderAsync(ct);
                    return await ReadOverviewAsync(reader, ct);
                }
                finally
                {
                    await db.Database.CloseConnectionAsync();
                }
            },
            cancellationToken);

    private static async Task<OverviewRow?> ReadOverviewAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        var account = new Account
        {
            Id = reader.GetGuid(0),
            UserName = reader.GetString(1),
            Email = reader.GetString(2),
            EmailConfirmed = reader.GetBoolean(3),
            FirstName = reader.GetString(4),
            LastName = reader.GetString(5),
            LastAccessIp = NullableString(reader, 6),
            LastAccessAt = NullableTime(reader, 7),
            SecurityCodeHash = NullableString(reader, 8),
            IpAllowList = [.. reader.GetFieldValue<string[]>(9)],
            IpAllowListVersion = reader.GetInt64(10),
            TotpSecret = NullableString(reader, 11),
            TotpEnabledAt = NullableTime(reader, 12),
            ConfirmOperationsByCall = reader.GetBoolean(13),
            ConfirmOperationsByCallSince = NullableTime(reader, 14),
            PhoneSecondFactorAt = NullableTime(reader, 15),
            PasskeyCount = reader.GetInt32(16),
        };
        var recoveryCodesLeft = reader.GetInt32(17);
        var previous = reader.IsDBNull(19)
            ? null
            : new SignInRow(NullableString(reader, 18), reader.GetFieldValue<DateTimeOffset>(19));
        await reader.NextResultAsync(ct);
        var sessions = new List<SessionRow>();
        while (await reader.ReadAsync(ct))
        {
            sessions.Add(new SessionRow(
                reader.GetGuid(0), reader.GetString(1), NullableString(reader, 2),
                reader.GetFieldValue<DateTimeOffset>(3), NullableString(reader, 4),
                reader.GetFieldValue<DateTimeOffset>(5), NullableString(reader, 6)));
        }

        return new OverviewRow(account, recoveryCodesLeft, previous, sessions);
    }

    private static string? NullableString(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static DateTimeOffset? NullableTime(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);

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
