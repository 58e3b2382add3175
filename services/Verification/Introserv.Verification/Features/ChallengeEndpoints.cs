using System.Security.Claims;
using Introserv.BuildingBlocks.Hosting;
using Introserv.ServiceDefaults;
using Introserv.Verification.Challenges;
using Introserv.Verification.Contracts;
using Introserv.Verification.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Introserv.Verification.Features;

// What to verify (purpose, the operation for a step-up), how (channel) and, for a phone, which number.
public sealed record StartChallengeRequest(
    [property: TextLength(32)] string? Purpose,
    [property: OneOf(VerificationChannels.Sms, VerificationChannels.Call)] string? Channel = null,
    [property: TextLength(32)] string? Phone = null,
    [property: TextLength(2)] string? RegionHint = null,
    [property: TextLength(64)] string? Operation = null);

public sealed record ResendChallengeRequest(bool OtherGateway = false);

public sealed record ConfirmChallengeRequest(
    [property: RequiredValue(ErrorMessage = "Type the code you received (digits only)."), TextLength(16)] string? Code);

// A challenge as the customer sees it: never the code, the phone only masked.
public sealed record ChallengeResponse(
    Guid Id,
    string Purpose,
    string? Operation,
    string Channel,
    string Delivery,
    string MaskedPhone,
    int CodeLength,
    string Status,
    DateTimeOffset ExpiresAt,
    DateTimeOffset ResendAvailableAt,
    int AttemptsRemaining,
    int SendsRemaining,
    bool Delivered,
    string? Gateway);

public sealed record ConfirmChallengeResponse(
    Guid ChallengeId, string Status, string? Phone, string? StepUpToken, DateTimeOffset? StepUpTokenExpiresAt);

public sealed record VerifiedPhoneResponse(bool Verified, string? Phone, DateTimeOffset? VerifiedAt);

public static class ChallengeEndpoints
{
    public static RouteGroupBuilder MapChallengeEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/verification").WithTags("Verification").RequireAuthorization();
        group.MapPost("/challenges", StartAsync)
            .WithSummary("Start a challenge: send a code by SMS or by call")
            .WithDescription(
                "purpose 'phone' verifies the given number; " +
                "'step_up' (with an operation) and 'sign_in' send the code to the account's verified phone. " +
                "For an account that confirms sensitive operations by call, verifying a number other than the " +
                "verified one needs a step-up token for change_phone in the Step-Up-Token header.")
            .Produces<ChallengeResponse>(StatusCodes.Status201Created)
            .Problems(Problems.Start);
        group.MapGet("/challenges/{id:guid}", GetAsync).WithSummary("A challenge's state").Problems(Problems.Read);
        group.MapPost("/challenges/{id:guid}/resend", ResendAsync)
            .WithSummary("Send a new code, optionally through the other telephony gateway")
            .WithDescription("The previous code stops working; resend_too_soon comes with Retry-After.")
            .Produces<ChallengeResponse>(StatusCodes.Status200OK)
            .Problems(Problems.Resend);
        group.MapPost("/challenges/{id:guid}/confirm", ConfirmAsync)
            .WithSummary("Confirm a challenge with the code")
            .WithDescription(
                "For a call to a mobile, the code is the last four digits of the calling number. A confirmed step-up " +
                "or sign-in challenge returns a single-use token for its operation; invalid_code carries " +
                "attemptsRemaining.")
            .Produces<ConfirmChallengeResponse>(StatusCodes.Status200OK)
            .Problems(Problems.Confirm);
        group
            .MapGet("/phone", GetVerifiedPhoneAsync)
            .WithSummary("The phone number verified for the account (step-up codes go there)");
        return group;
    }

    // An address as the per-address limit counts it: IPv4-mapped IPv6 as IPv4.
    public static string? TextOf(System.Net.IPAddress? address) =>
        address is null ? null : (address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address).ToString();

    private static async Task<Results<Created<ChallengeResponse>, ProblemHttpResult>> StartAsync(
        StartChallengeRequest request, ClaimsPrincipal user, HttpContext context, ChallengeService challenges,
        CancellationToken cancellationToken)
    {
        var result = await challenges.StartAsync(
            user.AccountId(), request.Purpose, request.Operation, request.Phone, request.RegionHint, request.Channel,
            context.ClientAddress()?.ToString(), cancellationToken, ConfirmedOperations.TokenOf(context));
        return result.Refusal is { } refusal
            ? refusal.ToHttp(context)
            : TypedResults.Created(
                $"/api/verification/challenges/{result.Challenge!.Id}", View(result.Challenge, context));
    }

    private static async Task<Results<Ok<ChallengeResponse>, ProblemHttpResult>> GetAsync(
        Guid id, ClaimsPrincipal user, HttpContext context, ChallengeStore store)
    {
        var challenge = await store.GetAsync(id);
        return challenge is null || challenge.AccountId != user.AccountId()
            ? Problems.Create(Problems.ChallengeNotFound, "No such challenge for this account.")
            : TypedResults.Ok(View(challenge, context));
    }

    private static async Task<Results<Ok<ChallengeResponse>, ProblemHttpResult>> ResendAsync(
        Guid id, ResendChallengeRequest? request, ClaimsPrincipal user, HttpContext context,
        ChallengeService challenges, CancellationToken cancellationToken)
    {
        var result = await challenges.ResendAsync(
            user.AccountId(), id, request?.OtherGateway ?? false, cancellationToken);
        return result.Refusal is { } refusal
            ? refusal.ToHttp(context)
            : TypedResults.Ok(View(result.Challenge!, context));
    }

    private static async Task<Results<Ok<ConfirmChallengeResponse>, ProblemHttpResult>> ConfirmAsync(
        Guid id, ConfirmChallengeRequest request, ClaimsPrincipal user, ChallengeService challenges,
        CancellationToken cancellationToken)
    {
        var result = await challenges.ConfirmAsync(user.AccountId(), id, request.Code!, cancellationToken);
        var attempts = new Dictionary<string, object?> { ["attemptsRemaining"] = result.AttemptsRemaining };
        return result.Outcome switch
        {
            ConfirmOutcomes.Confirmed =>
                (Results<Ok<ConfirmChallengeResponse>, ProblemHttpResult>)TypedResults.Ok(new ConfirmChallengeResponse(
                    id, ChallengeStatuses.Confirmed, result.Phone, result.StepUpToken, result.StepUpTokenExpiresAt)),
            ConfirmOutcomes.InvalidCode => Problems.Create(
                Problems.InvalidCode,
                $"The code is not right; {result.AttemptsRemaining} " +
                $"{(result.AttemptsRemaining == 1 ? "attempt" : "attempts")} left.",
                attempts),
            ConfirmOutcomes.Expired => Problems.Create(
                Problems.ChallengeExpired, "The code has expired; ask for a new one."),
            ConfirmOutcomes.AlreadyUsed => Problems.Create(
                Problems.ChallengeAlreadyUsed, "This challenge is already confirmed."),
            ConfirmOutcomes.TooManyAttempts => Problems.Create(
                Problems.ChallengeLocked, "Too many wrong codes; start a new challenge."),
            _ => Problems.Create(Problems.ChallengeNotFound, "No such challenge for this account."),
        };
    }

    private static async Task<Ok<VerifiedPhoneResponse>> GetVerifiedPhoneAsync(
        ClaimsPrincipal user, VerificationDbContext db, CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        var phone = await db.VerifiedPhones
            .AsNoTracking()
            .FirstOrDefaultAsync(p => p.AccountId == accountId, cancellationToken);
        return TypedResults.Ok(new VerifiedPhoneResponse(phone is not null, phone?.Phone, phone?.VerifiedAt));
    }

    internal static ChallengeResponse View(Challenge challenge, HttpContext context)
    {
        var settings = context.RequestServices.GetRequiredService<IOptions<VerificationOptions>>().Value;
        var cooldown = challenge.Delivered ? settings.ResendCooldown : TimeSpan.Zero;
        return new ChallengeResponse(
            challenge.Id,
            challenge.Purpose,
            challenge.Operation,
            challenge.Channel,
            challenge.Delivery,
            PhoneNumberRules.Mask(challenge.Phone),
            challenge.CodeLength,
            challenge.Status,
            challenge.ExpiresAt,
            challenge.LastSentAt + cooldown,
            challenge.AttemptsRemaining,
            Math.Max(0, settings.MaxSends - challenge.Sends),
            challenge.Delivered,
            challenge.GatewayRole);
    }
}
