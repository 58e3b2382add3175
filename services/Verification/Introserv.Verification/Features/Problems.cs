using System.Globalization;
using Introserv.BuildingBlocks.Hosting;
using Introserv.ServiceDefaults;
using Introserv.Verification.Challenges;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Introserv.Verification;

// Every coded problem the Verification API answers: its codes, and for each its HTTP status and title (Of makes the
// ProblemType); README lists them.
public static class Problems
{
    public const string ValidationFailed = ProblemCodes.ValidationFailed;
    public const string NoVerifiedPhone = "no_verified_phone";
    public const string SmsNotSupportedForLandline = "sms_not_supported_for_landline";
    public const string TooManyChallenges = "too_many_challenges";
    public const string TooManyMessagesToPhone = "too_many_messages_to_phone";
    public const string TooManyChallengesFromAddress = "too_many_challenges_from_address";
    public const string TelephonyBudgetExhausted = "telephony_budget_exhausted";
    public const string PhoneNumberTypeNotAllowed = "phone_number_type_not_allowed";
    public const string ResendTooSoon = "resend_too_soon";
    public const string TooManyResends = "too_many_resends";
    public const string DeliveryFailed = "delivery_failed";
    public const string ChallengeNotFound = "challenge_not_found";
    public const string ChallengeExpired = "challenge_expired";
    public const string ChallengeAlreadyUsed = "challenge_already_used";
    public const string ChallengeLocked = "challenge_locked";
    public const string InvalidCode = "invalid_code";
    public const string ChallengeStoreUnavailable = "challenge_store_unavailable";
    public const string StepUpRequired = "step_up_required";

    public static int StatusOf(string code) => code switch
    {
        ValidationFailed => StatusCodes.Status400BadRequest,
        InvalidCode or PhoneNumberTypeNotAllowed => StatusCodes.Status400BadRequest,
        ChallengeNotFound => StatusCodes.Status404NotFound,
        NoVerifiedPhone or ChallengeAlreadyUsed or ChallengeLocked => StatusCodes.Status409Conflict,
        StepUpRequired => StatusCodes.Status403Forbidden,
        ChallengeExpired => StatusCodes.Status410Gone,
        SmsNotSupportedForLandline => StatusCodes.Status422UnprocessableEntity,
        TooManyChallenges or TooManyMessagesToPhone or TooManyChallengesFromAddress or TelephonyBudgetExhausted
            or ResendTooSoon or TooManyResends
            => StatusCodes.Status429TooManyRequests,
        DeliveryFailed => StatusCodes.Status502BadGateway,
        ChallengeStoreUnavailable => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status400BadRequest,
    };

    // The refusal as RFC 9457 problem details (field errors as a validation problem).
    public static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult ToHttp(
        this Refusal refusal, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        ArgumentNullException.ThrowIfNull(context);
        if (refusal.Code == ValidationFailed && refusal.Field is { } field)
        {
            return FieldError.Result(field, refusal.Detail);
        }

        var extensions = new Dictionary<string, object?>();
        if (refusal.RetryAfter is { } wait)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            extensions["retryAfterSeconds"] = seconds;
        }

        if (refusal.ChallengeId is { } challengeId)
        {
            extensions["challengeId"] = challengeId;
        }

        if (refusal.Code == StepUpRequired)
        {
            extensions["methods"] = ConfirmedOperations.CallMethods;
            extensions["operation"] = ConfirmedOperations.ChangePhone;
        }

        return Of(refusal.Code).Result(refusal.Detail, extensions);
    }

    public static ProblemHttpResult Create(
        string code, string detail, IDictionary<string, object?>? extensions = null) =>
        Of(code).Result(detail, extensions);

    // The problem of code: its status and title.
    public static ProblemType Of(string code) => new(StatusOf(code), code, TitleOf(code));

    public static IReadOnlyList<ProblemType> All { get; } =
    [
        .. new[]
        {
            NoVerifiedPhone, SmsNotSupportedForLandline, TooManyChallenges, TooManyMessagesToPhone,
            TooManyChallengesFromAddress, TelephonyBudgetExhausted, PhoneNumberTypeNotAllowed, ResendTooSoon,
            TooManyResends, DeliveryFailed, ChallengeNotFound, ChallengeExpired, ChallengeAlreadyUsed, ChallengeLocked,
            InvalidCode, ChallengeStoreUnavailable, StepUpRequired,
        }.Select(Of),
    ];

    private static ProblemType[] Types(params string[] codes) => [.. codes.Select(Of)];

    // What starting a challenge can answer.
    public static ProblemType[] Start { get; } = Types(
        PhoneNumberTypeNotAllowed, NoVerifiedPhone, SmsNotSupportedForLandline, TooManyChallenges,
        TooManyChallengesFromAddress, TooManyMessagesToPhone, TelephonyBudgetExhausted, DeliveryFailed,
        ChallengeStoreUnavailable, StepUpRequired);

    // What a resend can answer.
    public static ProblemType[] Resend { get; } = Types(
        ChallengeNotFound, ResendTooSoon, TooManyResends, TooManyMessagesToPhone, TelephonyBudgetExhausted,
        ChallengeAlreadyUsed, ChallengeLocked, ChallengeExpired, DeliveryFailed, ChallengeStoreUnavailable);

    // What confirming a code can answer.
    public static ProblemType[] Confirm { get; } = Types(
        ChallengeNotFound, InvalidCode, ChallengeExpired, ChallengeAlreadyUsed, ChallengeLocked,
        ChallengeStoreUnavailable);

    // What reading a challenge can answer.
    public static ProblemType[] Read { get; } = Types(ChallengeNotFound, ChallengeStoreUnavailable);

    private static string TitleOf(string code) => code switch
    {
        NoVerifiedPhone => "No verified phone",
        SmsNotSupportedForLandline => "Landlines cannot receive text messages",
        TooManyChallenges or TooManyMessagesToPhone or TooManyChallengesFromAddress => "Too many verification requests",
        TelephonyBudgetExhausted => "Verification messages are paused",
        PhoneNumberTypeNotAllowed => "This kind of number cannot receive codes",
        ResendTooSoon => "Too soon to resend",
        TooManyResends => "No more resends",
        DeliveryFailed => "The code could not be delivered",
        ChallengeStoreUnavailable => "Verification is unavailable",
        ChallengeNotFound => "Challenge not found",
        ChallengeExpired => "Code expired",
        ChallengeAlreadyUsed => "Challenge already confirmed",
        ChallengeLocked => "Too many wrong codes",
        InvalidCode => "Wrong code",
        StepUpRequired => ConfirmationProblems.StepUpRequired.Title,
        _ => "Invalid request",
    };
}
