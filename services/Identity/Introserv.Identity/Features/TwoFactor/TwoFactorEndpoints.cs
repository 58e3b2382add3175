using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Contracts;
using Introserv.Identity.Features.Security;

namespace Introserv.Identity.Features.TwoFactor;

public sealed record TotpEnrollment(string Secret, string OtpAuthUri);

public sealed record SetPhoneSecondFactorRequest(
    [property: RequiredValue(ErrorMessage = "true to make the verified phone a second factor, false to stop.")]
    bool? Enabled);

// The current code of the authenticator app being set up.
public sealed record ConfirmTotpRequest([property: RequiredValue, TextLength(64)] string? Code);

public sealed record RecoveryCodes(IReadOnlyList<string> Codes);

// Turning the authenticator-app second factor on and off, and its recovery codes.
public static class TwoFactorEndpoints
{
    public static RouteGroupBuilder MapTwoFactorEndpoints(this RouteGroupBuilder account)
    {
        ArgumentNullException.ThrowIfNull(account);
        account.MapPost("/two-factor/totp", BeginAsync).WithName("BeginTotpEnrollment")
            .WithSummary("Start enrolling an authenticator app: returns the secret and otpauth URI")
            .Problems(IdentityProblems.StepUpRequired, IdentityProblems.ConfirmationUnavailable,
                IdentityProblems.TwoFactorAlreadyEnabled);
        account.MapPost("/two-factor/totp/confirm", ConfirmAsync).WithName("ConfirmTotpEnrollment")
            .WithSummary("Confirm the enrollment with a first code; returns the one-time recovery codes (shown once)")
            .Problems(IdentityProblems.InvalidSecondFactor, IdentityProblems.TwoFactorAlreadyEnabled,
                IdentityProblems.TwoFactorEnrollmentMissing);
        account.MapDelete("/two-factor", DisableAsync).WithName("DisableTwoFactor")
            .WithSummary("Turn the second factor off")
            .Problems(IdentityProblems.StepUpRequired, IdentityProblems.ConfirmationUnavailable,
                IdentityProblems.TwoFactorNotEnabled);
        account.MapPut("/two-factor/phone", SetPhoneAsync).WithName("SetPhoneSecondFactor")
            .WithSummary("Make the verified phone a second factor of its own (a code by SMS or call at sign-in), " +
                "or stop")
            .Problems(IdentityProblems.StepUpRequired, IdentityProblems.ConfirmationUnavailable,
                IdentityProblems.PhoneNotVerified);
        account.MapPost("/two-factor/recovery-codes", RegenerateAsync).WithName("RegenerateRecoveryCodes")
            .WithSummary("Replace the recovery codes (shown once)")
            .Problems(IdentityProblems.StepUpRequired, IdentityProblems.ConfirmationUnavailable,
                IdentityProblems.TwoFactorNotEnabled);
        return account;
    }

    private static async Task<Results<Ok<TotpEnrollment>, ProblemHttpResult>> BeginAsync(
        ClaimsPrincipal user, IdentityServiceDbContext db, StepUp stepUp, TotpMethod totp,
        CancellationToken cancellationToken)
    {
        var account = await db.FindAccountAsync(user, cancellationToken);
        if (account is null)
        {
            return AccountContext.AccountGone();
        }

        if (account.TotpSecret is not null)
        {
            return AlreadyEnabled();
        }

        if (await stepUp.RequireAsync(user, account, ConfirmedOperations.ChangeTwoFactor, cancellationToken)
            is { } problem)
        {
            return problem;
        }

        account.PendingTotpSecret = totp.NewProtectedSecret(out var secret);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new TotpEnrollment(secret, TotpMethod.OtpAuthUri(account.UserName!, secret)));
    }

    private static async Task<Results<Ok<RecoveryCodes>, ProblemHttpResult>> ConfirmAsync(
        ConfirmTotpRequest request, [AsParameters] SecurityCall call, TotpMethod totp, RecoveryCodeMethod recovery)
    {
        ArgumentNullException.ThrowIfNull(call);
        var (user, context, db, _, clock, cancellationToken) = call;
        var codes = await db.InTransactionAsync<Results<Ok<RecoveryCodes>, ProblemHttpResult>>(async ct =>
        {
            var account = await db.FindAccountAsync(user, ct);
            if (account is null)
            {
                return AccountContext.AccountGone();
            }

            if (account.TotpSecret is not null)
            {
                return AlreadyEnabled();
            }

            if (account.PendingTotpSecret is not { } pending)
            {
                return IdentityProblems.TwoFactorEnrollmentMissing.Result(
                    "Start with POST /api/account/two-factor/totp.");
            }

            if (!await totp.VerifyAsync(account, pending, request.Code ?? "", ct))
            {
                return IdentityProblems.InvalidSecondFactor.Result(
                    "The code does not match; check the authenticator app's clock and try the current code.");
            }

            account.TotpSecret = pending;
            account.PendingTotpSecret = null;
            account.TotpEnabledAt = clock.GetUtcNow();
            var fresh = await recovery.RegenerateAsync(account, ct);
            Audit.Record(
                db, account.Id, context, clock, "two_factor_enabled", "Authenticator app second factor turned on");
            db.AddIntegrationEvent(
                new TwoFactorChanged(
                    Guid.CreateVersion7(), clock.GetUtcNow(), account.Id, true, context.ClientAddressText()),
                clock);
            return TypedResults.Ok(new RecoveryCodes(fresh));
        }, cancellationToken);
        return codes;
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DisableAsync(
        ClaimsPrincipal user, HttpContext context, IdentityServiceDbContext db, StepUp stepUp, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var (account, problem) = await EnabledAndSteppedUpAsync(
            user, db, stepUp, a => a.TotpSecret is not null || a.PhoneSecondFactorAt is not null, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        await db.InTransactionAsync(async ct =>
        {
            var tracked = await db.Users.FirstAsync(a => a.Id == account.Id, ct);
            await TurnOffAsync(db, tracked, ct);
            Audit.Record(db, tracked.Id, context, clock, "two_factor_disabled", "Second factor turned off");
            db.AddIntegrationEvent(
                new TwoFactorChanged(
                    Guid.CreateVersion7(), clock.GetUtcNow(), tracked.Id, false, context.ClientAddressText()),
                clock);
            return true;
        }, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<TwoFactorState>, ProblemHttpResult>> SetPhoneAsync(
        SetPhoneSecondFactorRequest request, [AsParameters] SecurityCall call, SecondFactorVerifier secondFactor,
        CallConfirmation calls)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(call);
        var (user, context, db, stepUp, clock, cancellationToken) = call;
        var enabled = request.Enabled!.Value;
        var account = await db.FindAccountAsync(user, cancellationToken);
        if (account is null)
        {
            return AccountContext.AccountGone();
        }

        if ((account.PhoneSecondFactorAt is not null) != enabled)
        {
            if (enabled && await calls.RequireVerifiedPhoneAsync(account.Id, "the sign-in codes", cancellationToken)
                is { } noPhone)
            {
                return noPhone;
            }

            if (await stepUp.RequireAsync(user, account, ConfirmedOperations.ChangeTwoFactor, cancellationToken)
                is { } problem)
            {
                return problem;
            }

            await db.InTransactionAsync(async ct =>
            {
                var tracked = await db.Users.FirstAsync(a => a.Id == account.Id, ct);
                tracked.PhoneSecondFactorAt = enabled ? clock.GetUtcNow() : null;
                Audit.Record(db, tracked.Id, context, clock, enabled ? "two_factor_enabled" : "two_factor_disabled",
                    enabled ? "Phone second factor turned on" : "Phone second factor turned off");
                db.AddIntegrationEvent(
                    new TwoFactorChanged(Guid.CreateVersion7(), clock.GetUtcNow(), tracked.Id, enabled,
                        context.ClientAddressText(), Method: PhoneMethod.MethodName),
                    clock);
                account = tracked;
                return true;
            }, cancellationToken);
        }

        return TypedResults.Ok(new TwoFactorState(
            secondFactor.IsRequiredFor(account), secondFactor.MethodsFor(account),
            await db.RecoveryCodes.CountAsync(c => c.AccountId == account.Id && c.UsedAt == null, cancellationToken),
            account.TotpEnabledAt));
    }

    // Turns the second factor off: the authenticator secret and every recovery code go (the caller saves).
    public static async Task TurnOffAsync(
        IdentityServiceDbContext db, Account account, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(account);
        account.TotpSecret = null;
        account.PendingTotpSecret = null;
        account.TotpEnabledAt = null;
        account.TotpLastUsedStep = null;
        account.PhoneSecondFactorAt = null;
        await db.RecoveryCodes.Where(c => c.AccountId == account.Id).ExecuteDeleteAsync(cancellationToken);
    }

    private static async Task<Results<Ok<RecoveryCodes>, ProblemHttpResult>> RegenerateAsync(
        [AsParameters] SecurityCall call, RecoveryCodeMethod recovery)
    {
        ArgumentNullException.ThrowIfNull(call);
        var (user, context, db, stepUp, clock, cancellationToken) = call;
        var (account, problem) = await EnabledAndSteppedUpAsync(
            user, db, stepUp, a => a.TotpSecret is not null, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var codes = await db.InTransactionAsync(async ct =>
        {
            var tracked = await db.Users.FirstAsync(a => a.Id == account.Id, ct);
            var fresh = await recovery.RegenerateAsync(tracked, ct);
            Audit.Record(db, tracked.Id, context, clock, "recovery_codes_regenerated", "Recovery codes replaced");
            return fresh;
        }, cancellationToken);
        return TypedResults.Ok(new RecoveryCodes(codes));
    }

    // The account when it has the second factor on and the caller has stepped up; otherwise the problem.
    private static async Task<(Account Account, ProblemHttpResult? Problem)> EnabledAndSteppedUpAsync(
        ClaimsPrincipal user, IdentityServiceDbContext db, StepUp stepUp, Func<Account, bool> enabled,
        CancellationToken cancellationToken)
    {
        var account = await db.FindAccountAsync(user, cancellationToken);
        if (account is null)
        {
            return (null!, AccountContext.AccountGone());
        }

        return (
            account,
            !enabled(account)
                ? NotEnabled()
                : await stepUp.RequireAsync(user, account, ConfirmedOperations.ChangeTwoFactor, cancellationToken));
    }

    private static ProblemHttpResult AlreadyEnabled() =>
        IdentityProblems.TwoFactorAlreadyEnabled.Result("Turn it off first to enroll another authenticator.");

    private static ProblemHttpResult NotEnabled() =>
        IdentityProblems.TwoFactorNotEnabled.Result("The account has no second factor.");
}
