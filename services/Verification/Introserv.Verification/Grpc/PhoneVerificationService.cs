using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Introserv.ServiceDefaults;
using Introserv.Verification.Challenges;
using Introserv.Verification.Data;
using Introserv.Verification.Grpc;
using Microsoft.AspNetCore.Authorization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Introserv.Verification.GrpcServices;

// Verification for the other services (Profile, Identity, Orders), with a service token only.
[Authorize(Policy = AuthenticationExtensions.ServicePolicy)]
public sealed class PhoneVerificationService(
    ChallengeService challenges,
    StepUpTokens stepUpTokens,
    VerificationDbContext db,
    IOptions<VerificationOptions> settings) : PhoneVerification.PhoneVerificationBase
{
    public override async Task<ChallengeReply> StartChallenge(StartChallengeRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var result = await challenges.StartAsync(
            AccountIdOf(request.AccountId), request.Purpose, Empty(request.Operation), Empty(request.Phone),
            Empty(request.RegionHint), request.Channel,
            ClientAddressOf(request.ClientAddress), context.CancellationToken, Empty(request.StepUpToken));
        if (result.Refusal is { } refusal && result.Challenge is null)
        {
            throw Refused(refusal);
        }

        return Reply(result.Challenge!);
    }

    public override async Task<ChallengeReply> ResendChallenge(
        ResendChallengeRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (!Guid.TryParse(request.ChallengeId, out var challengeId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "challenge_id must be a GUID."));
        }

        var result = await challenges.ResendAsync(
            AccountIdOf(request.AccountId), challengeId, request.OtherGateway, context.CancellationToken);
        if (result.Refusal is { } refusal && result.Challenge is null)
        {
            throw Refused(refusal);
        }

        return Reply(result.Challenge!);
    }

    // The refusal as a gRPC error that keeps the public API's problem code (and the wait) in trailers.
    private static RpcException Refused(Refusal refusal)
    {
        var trailers = new Metadata { { "problem-code", refusal.Code } };
        if (refusal.RetryAfter is { } wait)
        {
            trailers.Add("retry-after-seconds",
                Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds))
                    .ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var detail = refusal.Field is null ? refusal.Detail : $"{refusal.Field}: {refusal.Detail}";
        return new RpcException(new Status(StatusOf(refusal.Code), detail), trailers);
    }

    public override async Task<ConfirmChallengeReply> ConfirmChallenge(
        ConfirmChallengeRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (!Guid.TryParse(request.ChallengeId, out var challengeId)
            || string.IsNullOrWhiteSpace(request.Code)
            || request.Code.Length > 16)
        {
            throw new RpcException(
                new Status(StatusCode.InvalidArgument, "challenge_id must be a GUID and code 1..16 characters."));
        }

        var result = await challenges.ConfirmAsync(
            AccountIdOf(request.AccountId), challengeId, request.Code, context.CancellationToken);
        var reply = new ConfirmChallengeReply
        {
            Outcome = result.Outcome,
            AttemptsRemaining = result.AttemptsRemaining,
            Phone = result.Phone ?? string.Empty,
            StepUpToken = result.StepUpToken ?? string.Empty,
        };
        if (result.StepUpTokenExpiresAt is { } expiresAt)
        {
            reply.StepUpTokenExpiresAt = Timestamp.FromDateTimeOffset(expiresAt);
        }

        return reply;
    }

    public override async Task<ConsumeStepUpTokenReply> ConsumeStepUpToken(
        ConsumeStepUpTokenRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Operation))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "operation is required."));
        }

        var reason = await stepUpTokens.ConsumeAsync(AccountIdOf(request.AccountId), request.Operation, request.Token);
        return new ConsumeStepUpTokenReply { Valid = reason is null, Reason = reason ?? string.Empty };
    }

    public override async Task<VerifiedPhoneReply> GetVerifiedPhone(
        GetVerifiedPhoneRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        var accountId = AccountIdOf(request.AccountId);
        var phone = await db.VerifiedPhones
            .AsNoTracking()
            .FirstOrDefaultAsync(p => p.AccountId == accountId, context.CancellationToken);
        return phone is null
            ? new VerifiedPhoneReply { Verified = false }
            : new VerifiedPhoneReply
            {
                Verified = true,
                Phone = phone.Phone,
                VerifiedAt = Timestamp.FromDateTimeOffset(phone.VerifiedAt)
            };
    }

    private ChallengeReply Reply(Challenge challenge) => new()
    {
        ChallengeId = challenge.Id.ToString("D"),
        Purpose = challenge.Purpose,
        Operation = challenge.Operation ?? string.Empty,
        Channel = challenge.Channel,
        Delivery = challenge.Delivery,
        MaskedPhone = PhoneNumberRules.Mask(challenge.Phone),
        CodeLength = challenge.CodeLength,
        ExpiresAt = Timestamp.FromDateTimeOffset(challenge.ExpiresAt),
        ResendAvailableAt = Timestamp.FromDateTimeOffset(
            challenge.LastSentAt + (challenge.Delivered ? settings.Value.ResendCooldown : TimeSpan.Zero)),
        AttemptsRemaining = challenge.AttemptsRemaining,
        Delivered = challenge.Delivered,
        Gateway = challenge.GatewayRole ?? string.Empty,
    };

    private static StatusCode StatusOf(string code) => code switch
    {
        Problems.ValidationFailed or Problems.PhoneNumberTypeNotAllowed => StatusCode.InvalidArgument,
        Problems.NoVerifiedPhone or Problems.SmsNotSupportedForLandline => StatusCode.FailedPrecondition,
        Problems.TooManyChallenges or Problems.TooManyMessagesToPhone or Problems.TooManyChallengesFromAddress
            or Problems.TelephonyBudgetExhausted or Problems.ResendTooSoon or Problems.TooManyResends
            => StatusCode.ResourceExhausted,
        Problems.ChallengeNotFound => StatusCode.NotFound,
        Problems.DeliveryFailed => StatusCode.Unavailable,
        Problems.StepUpRequired => StatusCode.PermissionDenied,
        _ => StatusCode.FailedPrecondition,
    };

    private static Guid AccountIdOf(string value) =>
        Guid.TryParse(value, out var id) && id != Guid.Empty
            ? id
            : throw new RpcException(new Status(StatusCode.InvalidArgument, "account_id must be a GUID."));

    // The customer's address the calling service passed on (normalised), or null when it did not know it.
    private static string? ClientAddressOf(string value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return System.Net.IPAddress.TryParse(value, out var address)
            ? Features.ChallengeEndpoints.TextOf(address)
            : throw new RpcException(new Status(StatusCode.InvalidArgument, "client_address must be an IP address."));
    }

    private static string? Empty(string value) => string.IsNullOrEmpty(value) ? null : value;
}
