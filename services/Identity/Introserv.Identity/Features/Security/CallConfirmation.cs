using Grpc.Core;
using Introserv.BuildingBlocks.Hosting;
using Introserv.Verification.Grpc;

namespace Introserv.Identity.Features.Security;

// "Confirm sensitive operations by call" (the seed's Call Password Verification): for an account with the setting
// on, a sensitive operation needs a step-up token Verification issued for that account and operation after a
// confirmed call (flash call: the last four digits of the calling number; landline: a spoken code) or SMS. The
// token is spent here, once, through Verification's ConsumeStepUpToken. Identity's own operations check it through
// StepUp; Orders and Notifications ask through AccountAccess.ConfirmOperation.
public sealed partial class CallConfirmation
{
    private readonly Func<PhoneVerification.PhoneVerificationClient> _client;
    private readonly ILogger<CallConfirmation> _logger;
    private PhoneVerification.PhoneVerificationClient? _verification;

    // The client's types are internal to Identity: registered with a factory (Register). The client is made on first
    // use only: StepUp and AccountAccessService (so every security read and the gateway's allow-list calls) carry this
    // service, and almost none of those requests talk to Verification.
    internal CallConfirmation(Func<PhoneVerification.PhoneVerificationClient> client, ILogger<CallConfirmation> logger)
    {
        _client = client;
        _logger = logger;
    }

    public static void Register(IServiceCollection services) => services.AddTransient(sp => new CallConfirmation(
        sp.GetRequiredService<PhoneVerification.PhoneVerificationClient>,
        sp.GetRequiredService<ILogger<CallConfirmation>>()));

    private PhoneVerification.PhoneVerificationClient Verification => _verification ??= _client();

    public async Task<ConfirmationCheck> CheckAsync(
        Guid accountId, bool byCall, string operation, string? token, CancellationToken cancellationToken)
    {
        if (!byCall)
        {
            return new ConfirmationCheck(ConfirmationOutcome.NotRequired, operation);
        }

        if (string.IsNullOrEmpty(token))
        {
            return new ConfirmationCheck(ConfirmationOutcome.TokenRequired, operation);
        }

        ConsumeStepUpTokenReply reply;
        try
        {
            reply = await Verification.ConsumeStepUpTokenAsync(
                new ConsumeStepUpTokenRequest
                {
                    AccountId = accountId.ToString(),
                    Operation = operation,
                    Token = token,
                },
                cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            LogUnavailable(_logger, operation, e.StatusCode);
            return new ConfirmationCheck(ConfirmationOutcome.Unavailable, operation);
        }

        return reply.Valid
            ? new ConfirmationCheck(ConfirmationOutcome.Confirmed, operation)
            : new ConfirmationCheck(ConfirmationOutcome.TokenInvalid, operation, reply.Reason);
    }

    // Whether Verification holds a verified phone for the account; null when Verification cannot be asked.
    public async Task<bool?> HasVerifiedPhoneAsync(Guid accountId, CancellationToken cancellationToken)
    {
        try
        {
            var reply = await Verification.GetVerifiedPhoneAsync(
                new GetVerifiedPhoneRequest { AccountId = accountId.ToString() },
                cancellationToken: cancellationToken);
            return reply.Verified;
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            LogUnavailable(_logger, "verified_phone", e.StatusCode);
            return null;
        }
    }

    // Null when Verification holds a verified phone for the account; otherwise the refusal (409 phone_not_verified
    // naming what the phone is for, or 503 when Verification cannot be asked).
    public async Task<ProblemHttpResult?> RequireVerifiedPhoneAsync(
        Guid accountId, string usedFor, CancellationToken cancellationToken) =>
        await HasVerifiedPhoneAsync(accountId, cancellationToken) switch
        {
            null => IdentityProblems.ConfirmationUnavailable.Result(
                "The verified phone could not be checked; nothing was changed. Try again shortly."),
            false => IdentityProblems.PhoneNotVerified.Result(
                $"Verify a phone number in the profile first: {usedFor} go to it."),
            true => null,
        };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Verification could not be asked about {Operation} ({Status})")]
    private static partial void LogUnavailable(ILogger logger, string operation, StatusCode status);
}
