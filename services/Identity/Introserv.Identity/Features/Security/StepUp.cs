using Introserv.Identity.Features.SignIn;
using Introserv.Identity.Features.TwoFactor;
using Introserv.BuildingBlocks.Hosting;
using Microsoft.Extensions.Options;

namespace Introserv.Identity.Features.Security;

// The proof: the second-factor code when the account has a second factor, otherwise the password; or, for an account
// with a second factor, the step-up token of a Verification step_up challenge for the operation "step_up" (a code by
// SMS or call to the verified phone); or a passkey's answer to POST step-up/passkey-options.
public sealed record StepUpRequest(
    [property: TextLength(64)] string? Code = null,
    [property: TextLength(Registration.RegistrationRules.PasswordMaxLength)] string? Password = null,
    [property: TextLength(100)] string? StepUpToken = null,
    Passkeys.PasskeyAnswer? Passkey = null);

// Sensitive operations (security code, allow-list, password, the second factor) need a recent sign-in or a fresh
// proof: the second factor when the account has one, otherwise the password. An account that confirms sensitive
// operations by call needs, instead, a Verification step-up token for the operation in the Step-Up-Token header,
// spent by the check (CallConfirmation).
public sealed class StepUp(
    IdentityServiceDbContext db,
    SecondFactorVerifier secondFactor,
    CallConfirmation calls,
    IHttpContextAccessor http,
    IOptions<IdentityServerOptions> settings,
    TimeProvider clock)
{
    public const string PasswordMethod = "password";

    // Null when the caller may proceed; otherwise the 403 step_up_required problem (or 503 when the token cannot be
    // checked). Call it last, after every other check of the request: a call-confirmation token is spent here.
    public async Task<ProblemHttpResult?> RequireAsync(
        ClaimsPrincipal user, Account account, string operation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (account.ConfirmOperationsByCall)
        {
            var token = http.HttpContext is { } context ? ConfirmedOperations.TokenOf(context) : null;
            var check = await calls.CheckAsync(account.Id, true, operation, token, cancellationToken);
            return check.Refusal();
        }

        var window = settings.Value.StepUpWindow;
        var now = clock.GetUtcNow();
        if (user.AuthenticatedAt() is { } signedIn && now - signedIn <= window)
        {
            return null;
        }

        var sessionId = user.SessionId();
        var steppedUp = sessionId is null
            ? null
            : await db.Sessions
                .Where(s => s.Id == sessionId)
                .Select(s => s.SteppedUpAt)
                .FirstOrDefaultAsync(cancellationToken);
        if (steppedUp is { } at && now - at <= window)
        {
            return null;
        }

        return IdentityProblems.StepUpRequired.Result(
            "This change needs a recent sign-in: confirm with POST /api/account/step-up, or sign in again.",
            new Dictionary<string, object?> { ["methods"] = MethodsFor(account), ["operation"] = operation });
    }

    public IReadOnlyList<string> MethodsFor(Account account) =>
        secondFactor.IsRequiredFor(account) ? secondFactor.MethodsFor(account) : [PasswordMethod];
}

public static class StepUpEndpoint
{
    // The operation a Verification step_up challenge names to confirm the session itself (POST step-up).
    public const string SessionOperation = "step_up";

    public static async Task<Results<NoContent, ProblemHttpResult>> HandleAsync(
        StepUpRequest request, [AsParameters] SecurityCall call, UserManager<Account> users,
        SecondFactorVerifier secondFactor, CallConfirmation calls, LoginThrottle throttle,
        Passkeys.Passkeys passkeys)
    {
        ArgumentNullException.ThrowIfNull(call);
        var (user, context, db, _, clock, cancellationToken) = call;
        var account = await db.FindAccountAsync(user, cancellationToken);
        var sessionId = user.SessionId();
        var session = sessionId is null
            ? null
            : await db.Sessions.FirstOrDefaultAsync(s => s.Id == sessionId, cancellationToken);
        if (account is null || session is null)
        {
            return AccountContext.AccountGone();
        }

        var twoFactor = secondFactor.IsRequiredFor(account);
        var attempt = await throttle.BeginAsync(
            account.UserName!, account.Id, context,
            twoFactor ? LoginOutcome.SecondFactorFailed : LoginOutcome.InvalidCredentials, cancellationToken);
        if (attempt.RetryAfter is { } wait)
        {
            return IdentityProblems.TooMany(context, wait);
        }

        if (twoFactor && request.Passkey is { } answer)
        {
            var credential = answer.Credential!.Value.GetRawText();
            var check = credential.Length > Passkeys.Passkeys.CredentialMaxLength
                ? new Passkeys.PasskeyCheck(null, null, "The answer is too large.", false)
                : await passkeys.AssertAsync(
                    answer.Ceremony!.Value, Passkeys.PasskeyPurpose.StepUp, account, credential, cancellationToken);
            if (check.Account is null)
            {
                return IdentityProblems.InvalidSecondFactor.Result($"The passkey was not accepted: {check.Failure}");
            }
        }
        else if (twoFactor && !string.IsNullOrEmpty(request.StepUpToken))
        {
            var check = await calls.CheckAsync(
                account.Id, true, SessionOperation, request.StepUpToken, cancellationToken);
            if (check.Outcome == ConfirmationOutcome.Unavailable)
            {
                return check.Refusal()!;
            }

            if (check.Outcome != ConfirmationOutcome.Confirmed)
            {
                return IdentityProblems.InvalidSecondFactor.Result(
                    $"The step-up token was not accepted ({check.Reason}); confirm a new step_up challenge.");
            }
        }
        else if (twoFactor)
        {
            if (await secondFactor.VerifyAsync(account, request.Code, cancellationToken) is null)
            {
                return IdentityProblems.InvalidSecondFactor.Result("The code is incorrect or has already been used.");
            }
        }
        else if (string.IsNullOrEmpty(request.Password) || !await users.CheckPasswordAsync(account, request.Password))
        {
            return IdentityProblems.InvalidPassword.Result("The password is incorrect.");
        }

        await throttle.ForgetAsync(attempt, cancellationToken);
        session.SteppedUpAt = clock.GetUtcNow();
        Audit.Record(db, account.Id, context, clock, "step_up", "Confirmed identity for sensitive changes");
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }
}
