using Grpc.Core;
using Introserv.BuildingBlocks.Data;
using Introserv.Identity.Features.Security;
using Introserv.Identity.Grpc;
using Microsoft.AspNetCore.Authorization;

namespace Introserv.Identity.Features.Support;

// gRPC for support tooling inside the cluster: checks a security code a caller reads out (staff only; the rules of
// SecurityCodeCheck). Support desks outside the cluster use the same check over HTTP (SupportEndpoints).
[Authorize(Policy = AuthenticationExtensions.StaffPolicy)]
public sealed class AccountSupportService(
    IdentityServiceDbContext db,
    IPasswordHasher<Account> hasher,
    TimeProvider clock) : AccountSupport.AccountSupportBase
{
    public override async Task<CheckSecurityCodeReply> CheckSecurityCode(
        CheckSecurityCodeRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (string.IsNullOrWhiteSpace(request.Login)
            || string.IsNullOrEmpty(request.Code)
            || request.Code.Length > SecuritySettings.SecurityCodeMaxLength)
        {
            throw new RpcException(
                new Status(StatusCode.InvalidArgument, "login and code (at most 64 characters) are required."));
        }

        var http = context.GetHttpContext();
        var staffId = http.User.AccountId();
        var login = request.Login.Trim().ToLowerInvariant();
        var cancellationToken = context.CancellationToken;

        return await db.InTransactionAsync(async ct =>
        {
            var account = await db.Users.FirstOrDefaultAsync(a => a.UserName == login, ct);
            if (account is null)
            {
                return new CheckSecurityCodeReply { Result = CheckSecurityCodeReply.Types.Result.AccountNotFound };
            }

            var result = await SecurityCodeCheck.RunAsync(db, hasher, clock, http, staffId, account, request.Code, ct);
            return new CheckSecurityCodeReply
            {
                Result = result.Outcome switch
                {
                    CodeCheckOutcome.Match => CheckSecurityCodeReply.Types.Result.Match,
                    CodeCheckOutcome.Mismatch => CheckSecurityCodeReply.Types.Result.Mismatch,
                    CodeCheckOutcome.NotSet => CheckSecurityCodeReply.Types.Result.NotSet,
                    _ => CheckSecurityCodeReply.Types.Result.Locked,
                },
                AttemptsLeft = result.AttemptsLeft,
                RetryAfterSeconds = result.RetryAfter is { } wait ? (int)Math.Ceiling(wait.TotalSeconds) : 0,
            };
        }, cancellationToken);
    }
}
