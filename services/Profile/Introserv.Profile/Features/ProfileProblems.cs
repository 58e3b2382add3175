namespace Introserv.Profile.Features;

// Every coded problem the Profile API answers (see ProblemType); README lists them.
public static class ProfileProblems
{
    public static readonly ProblemType EmailChangeTokenInvalid = new(
        StatusCodes.Status400BadRequest, "email_change_token_invalid", "Invalid link");
    public static readonly ProblemType InvalidCode = new(StatusCodes.Status400BadRequest, "invalid_code", "Wrong code");
    public static readonly ProblemType CountryChangeRequiresSupport = new(
        StatusCodes.Status403Forbidden, "country_change_requires_support", "Country is changed by support");
    public static readonly ProblemType ChallengeNotFound = new(
        StatusCodes.Status404NotFound, "challenge_not_found", "Challenge not found");
    public static readonly ProblemType ProfileNotFound = new(
        StatusCodes.Status404NotFound, "profile_not_found", "Profile not found");
    public static readonly ProblemType ChallengeAlreadyUsed = new(
        StatusCodes.Status409Conflict, "challenge_already_used", "Already confirmed");
    public static readonly ProblemType ChallengeLocked = new(
        StatusCodes.Status409Conflict, "challenge_locked", "Too many wrong codes");
    public static readonly ProblemType EmailAlreadyConfirmed = new(
        StatusCodes.Status409Conflict, "email_already_confirmed", "Already confirmed");
    public static readonly ProblemType EmailChangeTokenUsed = new(
        StatusCodes.Status409Conflict, "email_change_token_used", "Link already used");
    public static readonly ProblemType NotACompany = new(
        StatusCodes.Status409Conflict, "not_a_company", "Not a company");
    public static readonly ProblemType NotAPhoneChallenge = new(
        StatusCodes.Status409Conflict, "not_a_phone_challenge", "Not a phone verification");
    public static readonly ProblemType PhoneAlreadyVerified = new(
        StatusCodes.Status409Conflict, "phone_already_verified", "Already verified");
    public static readonly ProblemType PhoneChanged = new(
        StatusCodes.Status409Conflict, "phone_changed", "The number has changed");
    public static readonly ProblemType PhoneMissing = new(
        StatusCodes.Status409Conflict, "phone_missing", "No phone number");
    public static readonly ProblemType ChallengeExpired = new(
        StatusCodes.Status410Gone, "challenge_expired", "Code expired");
    public static readonly ProblemType EmailChangeTokenExpired = new(
        StatusCodes.Status410Gone, "email_change_token_expired", "Link expired");
    public static readonly ProblemType VersionMismatch = new(
        StatusCodes.Status412PreconditionFailed, "profile_version_mismatch", "The profile has changed");
    public static readonly ProblemType EmailChangeRequiresConfirmation = new(
        StatusCodes.Status422UnprocessableEntity, "email_change_requires_confirmation",
        "Email is changed by confirmation");
    public static readonly ProblemType EmailUnchanged = new(
        StatusCodes.Status422UnprocessableEntity, "email_unchanged", "Same address");
    public static readonly ProblemType PreconditionRequired = Preconditions.Required;
    public static readonly ProblemType TooManyEmailChanges = new(
        StatusCodes.Status429TooManyRequests, "too_many_email_change_requests", "Too many requests");
    public static readonly ProblemType TooManyEmailConfirmations = new(
        StatusCodes.Status429TooManyRequests, "too_many_email_confirmation_requests", "Too many requests");
    public static readonly ProblemType DeliveryFailed = new(
        StatusCodes.Status502BadGateway, "delivery_failed", "The code could not be delivered");
    public static readonly ProblemType VerificationUnavailable = new(
        StatusCodes.Status503ServiceUnavailable, ProblemCodes.ServiceUnavailable, "Verification unavailable");

    // The Verification service's refusals of a phone challenge, passed on with their code.
    public static readonly IReadOnlyList<ProblemType> Relayed =
    [
        new(StatusCodes.Status400BadRequest, "phone_number_type_not_allowed", "Phone verification refused"),
        new(StatusCodes.Status409Conflict, "no_verified_phone", "Phone verification refused"),
        new(StatusCodes.Status422UnprocessableEntity, "sms_not_supported_for_landline", "Phone verification refused"),
        new(StatusCodes.Status429TooManyRequests, "too_many_challenges", "Too many requests"),
        new(StatusCodes.Status429TooManyRequests, "too_many_messages_to_phone", "Too many requests"),
        new(StatusCodes.Status429TooManyRequests, "too_many_challenges_from_address", "Too many requests"),
        new(StatusCodes.Status429TooManyRequests, "telephony_budget_exhausted", "Too many requests"),
        new(StatusCodes.Status429TooManyRequests, "resend_too_soon", "Too many requests"),
        new(StatusCodes.Status429TooManyRequests, "too_many_resends", "Too many requests"),
        new(StatusCodes.Status503ServiceUnavailable, "challenge_store_unavailable", "Phone verification refused"),
        ConfirmationProblems.StepUpRequired,
        VerificationUnavailable,
    ];

    public static ProblemHttpResult NotFound() =>
        ProfileNotFound.Result(
            "No profile for this account (a new account's profile appears within seconds of registration).");

    // A refusal of the Verification service with its code, under the status it maps to here.
    public static ProblemHttpResult Relay(
        int status, string code, string detail, IDictionary<string, object?>? extensions = null) =>
        (Relayed.FirstOrDefault(p => p.Code == code && p.Status == status)
            ?? new ProblemType(status, code, "Phone verification refused")).Result(detail, extensions);
}
