using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Contracts;

namespace Introserv.Identity.Features.Security;

public sealed record SetCallConfirmationRequest(
    [property: RequiredValue(ErrorMessage = "true to confirm sensitive operations by call, false to stop.")]
    bool? Enabled);

// The setting as the security section shows it: whether it is on, since when, the operations it covers and the ways
// to obtain a step-up token.
public sealed record CallConfirmationState(
    bool Enabled, DateTimeOffset? Since, IReadOnlyList<string> Operations, IReadOnlyList<string> Methods)
{
    public static CallConfirmationState Of(Account account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return new CallConfirmationState(
            account.ConfirmOperationsByCall, account.ConfirmOperationsByCallSince, ConfirmedOperations.All,
            ConfirmedOperations.CallMethods);
    }
}

// PUT /api/account/call-confirmation. Turning it on needs a verified phone and the ordinary step-up; turning it off
// is itself confirmed by call (a token for change_call_confirmation), so a stolen session cannot switch it off.
public static class CallConfirmationSetting
{
    public static async Task<Results<Ok<CallConfirmationState>, ProblemHttpResult>> SetAsync(
        SetCallConfirmationRequest request, [AsParameters] SecurityCall call, CallConfirmation calls)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(call);
        ArgumentNullException.ThrowIfNull(calls);
        var (user, context, db, stepUp, clock, cancellationToken) = call;
        var enabled = request.Enabled!.Value;
        var account = await db.FindAccountAsync(user, cancellationToken);
        if (account is null)
        {
            return AccountContext.AccountGone();
        }

        if (account.ConfirmOperationsByCall == enabled)
        {
            return TypedResults.Ok(CallConfirmationState.Of(account));
        }

        if (enabled && await calls.RequireVerifiedPhoneAsync(account.Id, "the confirmation calls", cancellationToken)
            is { } noPhone)
        {
            return noPhone;
        }

        if (await stepUp.RequireAsync(user, account, ConfirmedOperations.ChangeCallConfirmation, cancellationToken)
            is { } problem)
        {
            return problem;
        }

        var now = clock.GetUtcNow();
        var state = await db.InTransactionAsync(async ct =>
        {
            var tracked = await db.Users.FirstAsync(a => a.Id == account.Id, ct);
            tracked.ConfirmOperationsByCall = enabled;
            tracked.ConfirmOperationsByCallSince = enabled ? now : null;
            Audit.Record(db, tracked.Id, context, clock, enabled ? "call_confirmation_on" : "call_confirmation_off",
                enabled
                    ? "Sensitive operations are confirmed by call"
                    : "Sensitive operations are no longer confirmed by call");
            db.AddIntegrationEvent(
                new CallConfirmationChanged(
                    Guid.CreateVersion7(now), now, tracked.Id, enabled, context.ClientAddressText()),
                clock);
            return CallConfirmationState.Of(tracked);
        }, cancellationToken);
        return TypedResults.Ok(state);
    }
}
