using Introserv.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Introserv.Profile.Features;

/// <summary>The stable problem codes of the profile API.</summary>
public static class ProfileProblems
{
    public const string ProfileNotFound = "profile_not_found";
    public const string CountryChangeRequiresSupport = "country_change_requires_support";
    public const string EmailChangeRequiresConfirmation = "email_change_requires_confirmation";
    public const string PreconditionRequired = "precondition_required";
    public const string VersionMismatch = "profile_version_mismatch";
    public const string EmailUnchanged = "email_unchanged";
    public const string EmailChangeTokenInvalid = "email_change_token_invalid";
    public const string EmailChangeTokenExpired = "email_change_token_expired";
    public const string EmailChangeTokenUsed = "email_change_token_used";
    public const string TooManyEmailChanges = "too_many_email_change_requests";
    public const string EmailAlreadyConfirmed = "email_already_confirmed";
    public const string TooManyEmailConfirmations = "too_many_email_confirmation_requests";
    public const string PhoneMissing = "phone_missing";
    public const string PhoneAlreadyVerified = "phone_already_verified";
    public const string NotACompany = "not_a_company";

    public static ProblemHttpResult Create(int status, string code, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        ProblemDetailsExtensions.CodedProblem(status, code, title, detail, extensions);

    public static ProblemHttpResult NotFound() => Create(
        StatusCodes.Status404NotFound, ProfileNotFound, "Profile not found",
        "No profile for this account (a new account's profile appears within seconds of registration).");
}

/// <summary>Who is calling and from where.</summary>
public static class Caller
{
    public static string? Ip(this HttpContext context) => context.ClientAddress()?.ToString();
}
