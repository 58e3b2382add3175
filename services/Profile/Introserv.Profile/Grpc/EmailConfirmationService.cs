using Grpc.Core;
using Introserv.Profile.Features;
using Introserv.Profile.Grpc;
using Microsoft.AspNetCore.Authorization;

namespace Introserv.Profile.GrpcServices;

// Confirms an address for Identity's confirmation page: exactly POST /api/profile/email-change/confirm for the account
// Identity names (the signed-in customer of its page), with the same token rules.
[Authorize(Policy = AuthenticationExtensions.ServicePolicy)]
public sealed class EmailConfirmationService(ProfileDbContext db, TimeProvider clock)
    : EmailConfirmations.EmailConfirmationsBase
{
    public override async Task<ConfirmEmailReply> Confirm(ConfirmEmailRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (!Guid.TryParse(request.AccountId, out var accountId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "account_id is not a GUID."));
        }

        var (profile, problem) = await EmailChange.ConfirmTokenAsync(
            accountId, request.Token, string.IsNullOrEmpty(request.ClientAddress) ? null : request.ClientAddress,
            db, clock, context.CancellationToken);
        return profile is not null
            ? new ConfirmEmailReply { Outcome = "confirmed", Email = profile.Email }
            : new ConfirmEmailReply
            {
                Outcome = problem!.ProblemDetails.Extensions.TryGetValue("code", out var code) && code is string text
                    ? text
                    : "email_change_token_invalid",
            };
    }
}
