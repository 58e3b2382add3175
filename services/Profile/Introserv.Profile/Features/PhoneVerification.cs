using System.Globalization;
using Grpc.Core;
using Introserv.BuildingBlocks.Hosting;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Profile.Contracts;
using Introserv.Verification.Contracts;
using Introserv.Verification.Grpc;
using VerificationClient = Introserv.Verification.Grpc.PhoneVerification.PhoneVerificationClient;

namespace Introserv.Profile.Features;

public sealed record StartPhoneVerificationBody(
    [property: OneOf(VerificationChannels.Sms, VerificationChannels.Call)] string? Channel = null);

public sealed record ResendPhoneVerificationBody(bool OtherGateway = false);

public sealed record ConfirmPhoneVerificationBody(
    [property: RequiredValue(ErrorMessage = "Type the code you received."), TextLength(16)] string? Code);

public sealed record PhoneChallengeResponse(
    Guid ChallengeId, string Channel, string Delivery, string MaskedPhone, int CodeLength, DateTimeOffset ExpiresAt,
    DateTimeOffset ResendAvailableAt, int AttemptsRemaining, bool Delivered, string Gateway);

// "Verify" next to the mobile number: the Verification service sends the code (SMS or call, with its second
// gateway), and a confirmed code marks the profile's number verified, if it is still the profile's number.
public static partial class PhoneVerificationEndpoints
{
    public static RouteGroupBuilder MapPhoneVerificationEndpoints(this RouteGroupBuilder group)
    {
        ArgumentNullException.ThrowIfNull(group);
        group.MapPost("/phone/verification", StartAsync)
            .WithSummary("Send a code to the profile's mobile number by 'sms' or 'call'")
            .Produces<PhoneChallengeResponse>(StatusCodes.Status200OK)
            .Problems([
                ProfileProblems.PhoneMissing, ProfileProblems.PhoneAlreadyVerified, ProfileProblems.DeliveryFailed,
                .. ProfileProblems.Relayed]);
        group.MapPost("/phone/verification/{challengeId:guid}/resend", ResendAsync)
            .WithSummary("Send a new code; otherGateway tries the second telephony gateway first")
            .Produces<PhoneChallengeResponse>(StatusCodes.Status200OK)
            .Problems([
                ProfileProblems.PhoneMissing, ProfileProblems.PhoneAlreadyVerified, ProfileProblems.ChallengeNotFound,
                ProfileProblems.ChallengeAlreadyUsed, ProfileProblems.ChallengeLocked, ProfileProblems.ChallengeExpired,
                ProfileProblems.NotAPhoneChallenge, ProfileProblems.DeliveryFailed, .. ProfileProblems.Relayed]);
        group.MapPost("/phone/verification/{challengeId:guid}/confirm", ConfirmAsync)
            .WithSummary("Confirm the code: the phone becomes verified")
            .WithDescription("invalid_code carries attemptsRemaining.")
            .Produces<ProfileResponse>(StatusCodes.Status200OK)
            .Problems([
                ProfileProblems.InvalidCode, ProfileProblems.ChallengeExpired, ProfileProblems.ChallengeAlreadyUsed,
                ProfileProblems.ChallengeLocked, ProfileProblems.ChallengeNotFound, ProfileProblems.PhoneChanged,
                ProfileProblems.NotAPhoneChallenge, .. ProfileProblems.Relayed]);
        return group;
    }

    private static async Task<Results<Ok<PhoneChallengeResponse>, ProblemHttpResult>> StartAsync(
        StartPhoneVerificationBody body, ClaimsPrincipal user, HttpContext context, ProfileDbContext db,
        VerificationClient verification, CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        var profile = await db.FindProfileAsync(accountId, cancellationToken);
        if (profile is null)
        {
            return ProfileProblems.NotFound();
        }

        if (profile.Phone is null)
        {
            return ProfileProblems.PhoneMissing.Result("Enter a mobile number in the profile first.");
        }

        if (profile.PhoneVerified)
        {
            return ProfileProblems.PhoneAlreadyVerified.Result("This number is already verified.");
        }

        return await CallAsync(async () => View(await verification.StartChallengeAsync(new StartChallengeRequest
        {
            AccountId = accountId.ToString("D"),
            Purpose = VerificationPurposes.Phone,
            Phone = profile.Phone,
            Channel = body.Channel ?? string.Empty,
            ClientAddress = context.ClientAddress()?.ToString() ?? string.Empty,
            StepUpToken = ConfirmedOperations.TokenOf(context) ?? string.Empty,
        }, cancellationToken: cancellationToken)), context);
    }

    private static Task<Results<Ok<PhoneChallengeResponse>, ProblemHttpResult>> ResendAsync(
        Guid challengeId, ResendPhoneVerificationBody? body, ClaimsPrincipal user, HttpContext context,
        VerificationClient verification, CancellationToken cancellationToken) =>
        CallAsync(async () => View(await verification.ResendChallengeAsync(new ResendChallengeRequest
        {
            AccountId = user.AccountId().ToString("D"),
            ChallengeId = challengeId.ToString("D"),
            OtherGateway = body?.OtherGateway ?? false,
        }, cancellationToken: cancellationToken)), context);

    private static async Task<Results<Ok<ProfileResponse>, ProblemHttpResult>> ConfirmAsync(
        Guid challengeId, ConfirmPhoneVerificationBody body, ClaimsPrincipal user, HttpContext context,
        ProfileDbContext db, VerificationClient verification, TimeProvider clock, CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        ConfirmChallengeReply reply;
        try
        {
            reply = await verification.ConfirmChallengeAsync(new ConfirmChallengeRequest
            {
                AccountId = accountId.ToString("D"),
                ChallengeId = challengeId.ToString("D"),
                Code = body.Code!.Trim(),
            }, cancellationToken: cancellationToken);
        }
        catch (RpcException error)
        {
            return Problem(error, context);
        }

        switch (reply.Outcome)
        {
            case "confirmed" when !string.IsNullOrEmpty(reply.Phone):
                var verified = await MarkVerifiedAsync(db, accountId, reply.Phone, "customer",
                    context.ClientAddress()?.ToString(), clock, cancellationToken);
                if (verified is null)
                {
                    return ProfileProblems.PhoneChanged.Result(
                        "The profile's number changed after the code was sent; verify the new number.");
                }

                context.Response.Headers.ETag = ProfileResponse.ETagOf(verified);
                return TypedResults.Ok(ProfileResponse.From(verified));
            case "confirmed":
                return ProfileProblems.NotAPhoneChallenge.Result("That challenge does not verify a phone.");
            case "invalid_code":
                return ProfileProblems.InvalidCode.Result(
                    $"The code is not right; {reply.AttemptsRemaining} " +
                    $"{(reply.AttemptsRemaining == 1 ? "attempt" : "attempts")} left.",
                    new Dictionary<string, object?> { ["attemptsRemaining"] = reply.AttemptsRemaining });
            case "expired":
                return ProfileProblems.ChallengeExpired.Result("The code has expired; ask for a new one.");
            case "already_used":
                return ProfileProblems.ChallengeAlreadyUsed.Result("This code was already used.");
            case "too_many_attempts":
                return ProfileProblems.ChallengeLocked.Result("Too many wrong codes; send a new code.");
            default:
                return ProfileProblems.ChallengeNotFound.Result("No such verification for this account.");
        }
    }

    // Marks the profile's phone verified when it is still phone (idempotent); null when the profile's number is another
    // one now.
    public static async Task<CustomerProfile?> MarkVerifiedAsync(
        ProfileDbContext db, Guid accountId, string phone, string actor, string? ip, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(clock);
        // The confirming request and Verification's PhoneVerified event usually arrive together: whichever writes
        // second sees a newer version, reads the profile again and finds the phone verified already.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await TryMarkVerifiedAsync(db, accountId, phone, actor, ip, clock, cancellationToken);
            }
            catch (DbUpdateConcurrencyException) when (attempt < 5)
            {
                db.ChangeTracker.Clear();
            }
        }
    }

    private static async Task<CustomerProfile?> TryMarkVerifiedAsync(
        ProfileDbContext db, Guid accountId, string phone, string actor, string? ip, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var profile = await db.Profiles.FirstOrDefaultAsync(p => p.AccountId == accountId, cancellationToken);
        if (profile is null || profile.Phone != phone)
        {
            return null;
        }

        if (!profile.PhoneVerified)
        {
            var now = clock.GetUtcNow();
            var changes = new ChangeSet(db, profile, actor, actor == "customer" ? accountId : null, ip, now);
            changes.Set("phoneVerified", "false", "true", () =>
            {
                profile.PhoneVerified = true;
                profile.PhoneVerifiedAt = now;
            });
            profile.UpdatedAt = now;
            db.AddIntegrationEvent(new ProfileUpdated(Guid.CreateVersion7(), now, accountId, ["phoneVerified"]), clock);
            await db.SaveChangesAsync(cancellationToken);
        }

        return profile;
    }

    private static async Task<Results<Ok<PhoneChallengeResponse>, ProblemHttpResult>> CallAsync(
        Func<Task<PhoneChallengeResponse>> call, HttpContext context)
    {
        try
        {
            var challenge = await call();
            return challenge.Delivered
                ? TypedResults.Ok(challenge)
                : ProfileProblems.DeliveryFailed.Result(
                    "No telephony gateway could deliver the code. " +
                    "Ask for it again (another gateway is tried) or choose the other channel.",
                    new Dictionary<string, object?> { ["challengeId"] = challenge.ChallengeId });
        }
        catch (RpcException error)
        {
            return Problem(error, context);
        }
    }

    // The Verification service's refusal, with its problem code, as this API's problem.
    private static ProblemHttpResult Problem(RpcException error, HttpContext context)
    {
        var code = error.Trailers.GetValue("problem-code");
        var extensions = new Dictionary<string, object?>();
        if (error.Trailers.GetValue("retry-after-seconds") is { } seconds
            && int.TryParse(seconds, CultureInfo.InvariantCulture, out var wait))
        {
            extensions["retryAfterSeconds"] = wait;
        }

        var status = error.StatusCode switch
        {
            StatusCode.InvalidArgument when code == ProblemCodes.ValidationFailed => StatusCodes.Status400BadRequest,
            StatusCode.InvalidArgument => StatusCodes.Status400BadRequest,
            StatusCode.NotFound => StatusCodes.Status404NotFound,
            StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
            StatusCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
            StatusCode.FailedPrecondition when code == "sms_not_supported_for_landline" =>
                StatusCodes.Status422UnprocessableEntity,
            StatusCode.FailedPrecondition => StatusCodes.Status409Conflict,
            StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown =>
                StatusCodes.Status503ServiceUnavailable,
            _ => StatusCodes.Status502BadGateway,
        };
        if (status >= StatusCodes.Status500InternalServerError)
        {
            // Not a refusal of the request: Verification (or the way to it) failed, which operators need to see.
            var logger = context.RequestServices.GetRequiredService<ILoggerFactory>()
                .CreateLogger(typeof(PhoneVerificationEndpoints));
            LogVerificationFailed(logger, error, error.StatusCode, code ?? "(none)", error.Status.Detail);
        }

        if (code is null)
        {
            RetryShortly(context, extensions);
            return ProfileProblems.VerificationUnavailable.Result(
                "Phone verification is unavailable; try again shortly.");
        }

        if (code == ProblemCodes.ValidationFailed)
        {
            var field = error.Status.Detail.Split(':', 2) is [var name, var message]
                ? (name.Trim(), message.Trim())
                : ("channel", error.Status.Detail);
            // Verification's refusal of a field, as validation answers it.
            return FieldError.Result(field.Item1, field.Item2);
        }

        if (status == StatusCodes.Status429TooManyRequests
            && extensions.TryGetValue("retryAfterSeconds", out var retry))
        {
            context.Response.Headers.RetryAfter = ((int)retry!).ToString(CultureInfo.InvariantCulture);
        }

        if (status == StatusCodes.Status503ServiceUnavailable)
        {
            RetryShortly(context, extensions);
        }

        return ProfileProblems.Relay(status, code, error.Status.Detail, extensions);
    }

    // A failure, not a refusal: the client may try again shortly (when Verification says, or in 5 s).
    private static void RetryShortly(HttpContext context, Dictionary<string, object?> extensions) =>
        context.Response.Headers.RetryAfter = extensions.TryGetValue("retryAfterSeconds", out var after)
            ? ((int)after!).ToString(CultureInfo.InvariantCulture)
            : "5";

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "A phone verification call to the Verification service failed: {Status}, code {Code}: {Detail}")]
    private static partial void LogVerificationFailed(
        ILogger logger, Exception error, StatusCode status, string code, string detail);

    private static PhoneChallengeResponse View(ChallengeReply reply) => new(
        Guid.Parse(reply.ChallengeId), reply.Channel, reply.Delivery, reply.MaskedPhone, reply.CodeLength,
        reply.ExpiresAt.ToDateTimeOffset(), reply.ResendAvailableAt.ToDateTimeOffset(), reply.AttemptsRemaining,
        reply.Delivered, reply.Gateway);
}
