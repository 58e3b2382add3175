using System.Globalization;
using Grpc.Core;
using Introserv.Identity.Features.Security;
using Introserv.Verification.Grpc;

namespace Introserv.Identity.Features.TwoFactor;

// A code on the verified phone as the second factor at sign-in, instead of the authenticator app: Verification's
// sign_in challenge by SMS or call (flash call: the last four digits of the calling number), with the other gateway
// on request. Only for an account that has a second factor and a phone Verification has verified.
public sealed record PhoneChallenge(string Id, string Channel, string Delivery, string MaskedPhone, bool Delivered);

public sealed partial class PhoneSignIn
{
    public const string Sms = "sms";
    public const string Call = "call";

    private readonly PhoneVerification.PhoneVerificationClient _verification;
    private readonly CallConfirmation _calls;
    private readonly ILogger<PhoneSignIn> _logger;

    // The client's types are internal to Identity: registered with a factory (Register).
    internal PhoneSignIn(
        PhoneVerification.PhoneVerificationClient verification, CallConfirmation calls, ILogger<PhoneSignIn> logger)
    {
        _verification = verification;
        _calls = calls;
        _logger = logger;
    }

    public static void Register(IServiceCollection services) => services.AddTransient(sp => new PhoneSignIn(
        sp.GetRequiredService<PhoneVerification.PhoneVerificationClient>(),
        sp.GetRequiredService<CallConfirmation>(),
        sp.GetRequiredService<ILogger<PhoneSignIn>>()));

    // Whether the page offers the phone: false too when Verification cannot be asked (the app still works).
    public async Task<bool> IsAvailableAsync(Guid accountId, CancellationToken cancellationToken) =>
        await _calls.HasVerifiedPhoneAsync(accountId, cancellationToken) == true;

    public async Task<(PhoneChallenge? Challenge, string? Error)> StartAsync(
        Guid accountId, string channel, string? clientAddress, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await _verification.StartChallengeAsync(
                new StartChallengeRequest
                {
                    AccountId = accountId.ToString(),
                    Purpose = "sign_in",
                    Channel = channel,
                    ClientAddress = clientAddress ?? "",
                },
                cancellationToken: cancellationToken);
            return (View(reply), null);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, Refusal(e));
        }
    }

    public async Task<(PhoneChallenge? Challenge, string? Error)> ResendAsync(
        Guid accountId, string challengeId, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await _verification.ResendChallengeAsync(
                new ResendChallengeRequest
                {
                    AccountId = accountId.ToString(),
                    ChallengeId = challengeId,
                    OtherGateway = true,
                },
                cancellationToken: cancellationToken);
            return (View(reply), null);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            return (null, Refusal(e));
        }
    }

    // Null when the code is right; otherwise what to tell the customer.
    public async Task<string?> ConfirmAsync(
        Guid accountId, string challengeId, string code, CancellationToken cancellationToken)
    {
        ConfirmChallengeReply reply;
        try
        {
            reply = await _verification.ConfirmChallengeAsync(
                new ConfirmChallengeRequest
                {
                    AccountId = accountId.ToString(),
                    ChallengeId = challengeId,
                    Code = code,
                },
                cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            return Refusal(e);
        }

        return reply.Outcome switch
        {
            "confirmed" => null,
            "invalid_code" => $"The code is not right; {reply.AttemptsRemaining} " +
                $"{(reply.AttemptsRemaining == 1 ? "attempt" : "attempts")} left.",
            "expired" => "The code has expired: ask for a new one.",
            "too_many_attempts" => "Too many wrong codes: ask for a new one.",
            _ => "This code can no longer be used: ask for a new one.",
        };
    }

    private static PhoneChallenge View(ChallengeReply reply) =>
        new(reply.ChallengeId, reply.Channel, reply.Delivery, reply.MaskedPhone, reply.Delivered);

    private string Refusal(RpcException e)
    {
        var code = e.Trailers.GetValue("problem-code");
        var retry = e.Trailers.GetValue("retry-after-seconds");
        LogRefused(_logger, e.StatusCode, code);
        return e.StatusCode switch
        {
            StatusCode.ResourceExhausted => "No more codes can be sent for now" +
                (int.TryParse(retry, NumberStyles.Integer, CultureInfo.InvariantCulture, out var seconds)
                    ? $"; try again in {seconds} seconds"
                    : "") + ", or use your authenticator app.",
            StatusCode.FailedPrecondition => "A code cannot be sent this way to your phone; use your authenticator " +
                "app, or the other option.",
            StatusCode.NotFound => "This code request has ended: ask for a new code.",
            _ => "The phone service cannot be reached right now; use your authenticator app or try again shortly.",
        };
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "A sign-in phone code was refused ({Status}, {Code})")]
    private static partial void LogRefused(ILogger logger, StatusCode status, string? code);
}
