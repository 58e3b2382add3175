using Grpc.Core;
using Introserv.Identity.Grpc;
using Introserv.ServiceDefaults;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Introserv.BuildingBlocks.Hosting;

// The operations a customer who turned on "confirm sensitive operations by call" confirms with a step-up token: the
// name a step-up challenge (POST /api/verification/challenges, purpose step_up) is started for.
public static class ConfirmedOperations
{
    public const string SetSecurityCode = "set_security_code";
    public const string ChangeIpAllowList = "change_ip_allow_list";
    public const string ChangePassword = "change_password";
    public const string ChangeTwoFactor = "change_two_factor";
    public const string ChangeCallConfirmation = "change_call_confirmation";
    public const string ChangeNotificationAddresses = "change_notification_addresses";
    public const string ConfirmOrder = "confirm_order";
    public const string ChangePlan = "change_plan";
    public const string ChangePhone = "change_phone";

    // The header a request carries its step-up token in.
    public const string Header = "Step-Up-Token";

    // The ways to obtain a token, as step_up_required names them: a call (flash call or spoken code), or an SMS.
    public static readonly IReadOnlyList<string> CallMethods = ["call", "sms"];

    public static readonly IReadOnlyList<string> All =
    [
        SetSecurityCode, ChangeIpAllowList, ChangePassword, ChangeTwoFactor, ChangeCallConfirmation,
        ChangeNotificationAddresses, ConfirmOrder, ChangePlan, ChangePhone,
    ];

    // The token the request brought, or null.
    public static string? TokenOf(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var value = context.Request.Headers[Header].ToString().Trim();
        return value.Length == 0 ? null : value;
    }
}

public enum ConfirmationOutcome
{
    NotRequired,
    Confirmed,
    TokenRequired,
    TokenInvalid,
    AccountNotFound,
    Unavailable,
}

// What the confirmation policy said about one request: proceed, or the refusal to answer.
public sealed record ConfirmationCheck(ConfirmationOutcome Outcome, string Operation, string? Reason = null)
{
    public bool MayProceed => Outcome is ConfirmationOutcome.NotRequired or ConfirmationOutcome.Confirmed;

    // Null when the request may proceed; otherwise the problem to answer (nothing has been changed).
    public ProblemHttpResult? Refusal() => Outcome switch
    {
        ConfirmationOutcome.NotRequired or ConfirmationOutcome.Confirmed => null,
        ConfirmationOutcome.TokenRequired => ConfirmationProblems.StepUpRequired.Result(
            $"This account confirms '{Operation}' by call: start a step-up challenge for it (POST " +
            "/api/verification/challenges with purpose step_up), confirm it, and repeat the request with the token " +
            $"in the {ConfirmedOperations.Header} header.",
            Extensions(null)),
        ConfirmationOutcome.TokenInvalid => ConfirmationProblems.StepUpRequired.Result(
            $"The step-up token was not accepted ({Reason}); a token confirms one operation of one account once. " +
            "Confirm again and repeat the request with the new token.",
            Extensions(Reason)),
        ConfirmationOutcome.AccountNotFound => CommonProblems.Unauthorized.Result("The account no longer exists."),
        _ => ConfirmationProblems.ConfirmationUnavailable.Result(
            "Whether this operation needs a confirmation by call could not be checked; nothing was changed. " +
            "Try again shortly."),
    };

    private Dictionary<string, object?> Extensions(string? reason)
    {
        var extensions = new Dictionary<string, object?>
        {
            ["methods"] = ConfirmedOperations.CallMethods,
            ["operation"] = Operation,
        };
        if (reason is not null)
        {
            extensions["reason"] = reason;
        }

        return extensions;
    }
}

// Asks whether an account has to confirm an operation by call and, when it does, spends the request's token.
public interface IOperationConfirmation
{
    Task<ConfirmationCheck> ConfirmAsync(
        Guid accountId, string operation, string? stepUpToken, CancellationToken cancellationToken);
}

// Identity decides (it keeps the setting and asks Verification to spend the token), over its internal gRPC.
internal sealed partial class IdentityOperationConfirmation(
    AccountAccess.AccountAccessClient identity, ILogger<IdentityOperationConfirmation> logger) : IOperationConfirmation
{
    public async Task<ConfirmationCheck> ConfirmAsync(
        Guid accountId, string operation, string? stepUpToken, CancellationToken cancellationToken)
    {
        ConfirmOperationReply reply;
        try
        {
            reply = await identity.ConfirmOperationAsync(
                new ConfirmOperationRequest
                {
                    AccountId = accountId.ToString(),
                    Operation = operation,
                    StepUpToken = stepUpToken ?? "",
                },
                cancellationToken: cancellationToken);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            LogUnavailable(logger, operation, e.StatusCode);
            return new ConfirmationCheck(ConfirmationOutcome.Unavailable, operation);
        }

        return reply.Outcome switch
        {
            ConfirmOperationReply.Types.Outcome.NotRequired =>
                new ConfirmationCheck(ConfirmationOutcome.NotRequired, operation),
            ConfirmOperationReply.Types.Outcome.Confirmed =>
                new ConfirmationCheck(ConfirmationOutcome.Confirmed, operation),
            ConfirmOperationReply.Types.Outcome.TokenRequired =>
                new ConfirmationCheck(ConfirmationOutcome.TokenRequired, operation),
            ConfirmOperationReply.Types.Outcome.TokenInvalid =>
                new ConfirmationCheck(ConfirmationOutcome.TokenInvalid, operation, reply.Reason),
            ConfirmOperationReply.Types.Outcome.AccountNotFound =>
                new ConfirmationCheck(ConfirmationOutcome.AccountNotFound, operation),
            _ => new ConfirmationCheck(ConfirmationOutcome.Unavailable, operation),
        };
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "The confirmation policy for {Operation} could not be checked at Identity ({Status})")]
    private static partial void LogUnavailable(ILogger logger, string operation, StatusCode status);
}

public static class OperationConfirmationExtensions
{
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(5);

    // IOperationConfirmation through Identity's gRPC (Services:IdentityGrpc, or service discovery), with the service
    // token. A spent token cannot be spent again, so the call is never retried: a deadline, no retry handler.
    public static IHostApplicationBuilder AddOperationConfirmation(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddSingleShotServiceGrpcClient<AccountAccess.AccountAccessClient>(
            "IdentityGrpc", ResourceNames.Identity, CallTimeout);
        builder.Services.AddTransient<IOperationConfirmation, IdentityOperationConfirmation>();
        return builder;
    }
}
