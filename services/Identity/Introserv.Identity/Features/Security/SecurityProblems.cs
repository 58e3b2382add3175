using System.Globalization;
using Introserv.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Introserv.Identity.Features.Security;

/// <summary>The stable problem codes of the account-security API.</summary>
public static class SecurityProblems
{
    public const string SecurityCodeAlreadySet = "security_code_already_set";
    public const string WouldLockOut = "would_lock_out";
    public const string StepUpRequired = "step_up_required";
    public const string CurrentPasswordIncorrect = "current_password_incorrect";
    public const string PasswordReused = "password_reused";
    public const string InvalidSecondFactor = "invalid_second_factor";
    public const string InvalidPassword = "invalid_password";
    public const string TwoFactorAlreadyEnabled = "two_factor_already_enabled";
    public const string TwoFactorNotEnabled = "two_factor_not_enabled";
    public const string TwoFactorEnrollmentMissing = "two_factor_enrollment_missing";
    public const string SessionNotFound = "session_not_found";
    public const string TooManyAttempts = "too_many_attempts";
    public const string AccountNotFound = "account_not_found";

    public static ProblemHttpResult Create(int status, string code, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        ProblemDetailsExtensions.CodedProblem(status, code, title, detail, extensions);

    public static ProblemHttpResult TooMany(HttpContext context, TimeSpan wait)
    {
        ArgumentNullException.ThrowIfNull(context);
        var seconds = (int)Math.Ceiling(wait.TotalSeconds);
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return Create(
            StatusCodes.Status429TooManyRequests,
            TooManyAttempts,
            "Too many attempts",
            $"Too many failed attempts; try again in {seconds} seconds.",
            new Dictionary<string, object?> { ["retryAfterSeconds"] = seconds });
    }
}
