using System.Globalization;

namespace Introserv.Identity.Features;

// Every coded problem the Identity API answers (see ProblemType); README lists them.
public static class IdentityProblems
{
    public static readonly ProblemType CurrentPasswordIncorrect = new(
        StatusCodes.Status400BadRequest, "current_password_incorrect", "Current password incorrect");
    public static readonly ProblemType InvalidPassword = new(
        StatusCodes.Status400BadRequest, "invalid_password", "Invalid password");
    public static readonly ProblemType InvalidSecondFactor = new(
        StatusCodes.Status400BadRequest, "invalid_second_factor", "Invalid code");
    public static readonly ProblemType PasswordResetTokenInvalid = new(
        StatusCodes.Status400BadRequest, "password_reset_token_invalid", "Invalid link");
    public static readonly ProblemType PasswordReused = new(
        StatusCodes.Status400BadRequest, "password_reused", "Password used before");
    public static readonly ProblemType AccountNotFound = new(
        StatusCodes.Status401Unauthorized, "account_not_found", "Account not found");
    public static readonly ProblemType IpNotAllowed = CommonProblems.IpNotAllowed;
    public static readonly ProblemType StepUpRequired = ConfirmationProblems.StepUpRequired;
    public static readonly ProblemType ConfirmationUnavailable = ConfirmationProblems.ConfirmationUnavailable;
    public static readonly ProblemType PasskeyRejected = new(
        StatusCodes.Status400BadRequest, "passkey_rejected", "Passkey not accepted");
    public static readonly ProblemType PasskeyCeremonyInvalid = new(
        StatusCodes.Status400BadRequest, "passkey_ceremony_invalid", "Passkey request expired");
    public static readonly ProblemType PasskeyNotFound = new(
        StatusCodes.Status404NotFound, "passkey_not_found", "Passkey not found");
    public static readonly ProblemType PasskeyExists = new(
        StatusCodes.Status409Conflict, "passkey_exists", "Passkey already registered");
    public static readonly ProblemType TooManyPasskeys = new(
        StatusCodes.Status409Conflict, "too_many_passkeys", "Too many passkeys");
    public static readonly ProblemType SessionNotFound = new(
        StatusCodes.Status404NotFound, "session_not_found", "Session not found");
    public static readonly ProblemType CustomerNotFound = new(
        StatusCodes.Status404NotFound, "customer_not_found", "No such customer");
    public static readonly ProblemType SecurityCodeCheckRequired = new(
        StatusCodes.Status403Forbidden, "security_code_check_required", "Check the caller first");
    public static readonly ProblemType NothingToClear = new(
        StatusCodes.Status409Conflict, "nothing_to_clear", "Nothing to clear");
    public static readonly ProblemType SecurityCodeChecksLocked = new(
        StatusCodes.Status429TooManyRequests, "security_code_checks_locked", "Too many wrong codes");
    public static readonly ProblemType EmailTaken = new(
        StatusCodes.Status409Conflict, "email_taken", "Email already registered");
    public static readonly ProblemType LoginTaken = new(
        StatusCodes.Status409Conflict, "login_taken", "Login already taken");
    public static readonly ProblemType PasswordResetTokenUsed = new(
        StatusCodes.Status409Conflict, "password_reset_token_used", "Link already used");
    public static readonly ProblemType SecurityCodeAlreadySet = new(
        StatusCodes.Status409Conflict, "security_code_already_set", "Security code already set");
    public static readonly ProblemType TwoFactorAlreadyEnabled = new(
        StatusCodes.Status409Conflict, "two_factor_already_enabled", "Second factor already on");
    public static readonly ProblemType TwoFactorEnrollmentMissing = new(
        StatusCodes.Status409Conflict, "two_factor_enrollment_missing", "No enrollment in progress");
    public static readonly ProblemType TwoFactorNotEnabled = new(
        StatusCodes.Status409Conflict, "two_factor_not_enabled", "Second factor is off");
    public static readonly ProblemType PhoneNotVerified = new(
        StatusCodes.Status409Conflict, "phone_not_verified", "No verified phone");
    public static readonly ProblemType WouldLockOut = new(
        StatusCodes.Status409Conflict, "would_lock_out", "The list would lock you out");
    public static readonly ProblemType PasswordResetTokenExpired = new(
        StatusCodes.Status410Gone, "password_reset_token_expired", "Link expired");
    public static readonly ProblemType TooManyAttempts = new(
        StatusCodes.Status429TooManyRequests, "too_many_attempts", "Too many attempts");
    public static readonly ProblemType TooManyPasswordResetRequests = new(
        StatusCodes.Status429TooManyRequests, "too_many_password_reset_requests", "Too many requests");

    // What every operation on a signed-in account can answer besides the common problems.
    public static readonly IReadOnlyList<ProblemType> Account = [AccountNotFound, IpNotAllowed];

    // A sensitive change: a recent sign-in or step-up is required.
    public static readonly IReadOnlyList<ProblemType> Sensitive =
        [AccountNotFound, IpNotAllowed, StepUpRequired, ConfirmationUnavailable];

    // 429 too_many_attempts with Retry-After.
    public static ProblemHttpResult TooMany(HttpContext context, TimeSpan wait)
    {
        ArgumentNullException.ThrowIfNull(context);
        var seconds = (int)Math.Ceiling(wait.TotalSeconds);
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return TooManyAttempts.Result($"Too many failed attempts; try again in {seconds} seconds.",
            new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds });
    }
}
