using System.Net;
using Grpc.Core;
using Introserv.BuildingBlocks.Hosting;
using Introserv.Identity.Features.Security;
using Introserv.Identity.Grpc;
using Microsoft.AspNetCore.Authorization;

namespace Introserv.Identity.Features.Support;

// gRPC for the gateway: the IP allow-list of an account (when its cache has none) and batched last-access reports.
// Served on Identity's internal gRPC port, which the gateway never routes from outside, and only to callers with a
// service token (client-credentials grant, role service).
[Authorize(Policy = AuthenticationExtensions.ServicePolicy)]
public sealed class AccountAccessService(IdentityServiceDbContext db, CallConfirmation calls, TimeProvider clock)
    : AccountAccess.AccountAccessBase
{
    public const int MaxReportsPerCall = 1000;

    public override async Task<IpAllowListReply> GetIpAllowList(
        GetIpAllowListRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (!Guid.TryParse(request.AccountId, out var accountId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "account_id must be a GUID."));
        }

        var account = await db.Users.AsNoTracking()
            .Where(a => a.Id == accountId)
            .Select(a => new { a.IpAllowList, a.IpAllowListVersion })
            .FirstOrDefaultAsync(context.CancellationToken);
        var reply = new IpAllowListReply
        {
            AccountFound = account is not null,
            Version = account?.IpAllowListVersion ?? 0
        };
        if (account is not null)
        {
            reply.Entries.AddRange(account.IpAllowList);
        }

        return reply;
    }

    public override async Task<ReportAccessReply> ReportAccess(ReportAccessRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (request.Reports.Count > MaxReportsPerCall)
        {
            throw new RpcException(
                new Status(StatusCode.InvalidArgument, $"At most {MaxReportsPerCall} reports per call."));
        }

        var latest = clock.GetUtcNow().AddMinutes(1);
        var accepted = 0;
        foreach (var report in request.Reports)
        {
            if (!Guid.TryParse(report.AccountId, out var accountId)
                || !IPAddress.TryParse(report.Ip, out var ip)
                || report.At is null)
            {
                continue;
            }

            var at = report.At.ToDateTimeOffset();
            if (at > latest)
            {
                continue;
            }

            var text = (ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString();
            // Only ever moves forward: a late or repeated report never overwrites a newer access.
            accepted += await db.Users
                .Where(a => a.Id == accountId && (a.LastAccessAt == null || a.LastAccessAt < at))
                .ExecuteUpdateAsync(u => u.SetProperty(a => a.LastAccessIp, text).SetProperty(a => a.LastAccessAt, at),
                    context.CancellationToken);
        }

        return new ReportAccessReply { Accepted = accepted };
    }

    // For Orders and Notifications: whether the account confirms the operation by call and, if it does, the token
    // spent (Identity keeps the setting; Verification the tokens).
    public override async Task<ConfirmOperationReply> ConfirmOperation(
        ConfirmOperationRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (!Guid.TryParse(request.AccountId, out var accountId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "account_id must be a GUID."));
        }

        if (!ConfirmedOperations.All.Contains(request.Operation))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "operation is not a confirmed operation."));
        }

        var byCall = await db.Users.AsNoTracking()
            .Where(a => a.Id == accountId)
            .Select(a => (bool?)a.ConfirmOperationsByCall)
            .FirstOrDefaultAsync(context.CancellationToken);
        if (byCall is null)
        {
            return new ConfirmOperationReply { Outcome = ConfirmOperationReply.Types.Outcome.AccountNotFound };
        }

        var check = await calls.CheckAsync(
            accountId, byCall.Value, request.Operation, request.StepUpToken, context.CancellationToken);
        return check.Outcome switch
        {
            ConfirmationOutcome.NotRequired =>
                new ConfirmOperationReply { Outcome = ConfirmOperationReply.Types.Outcome.NotRequired },
            ConfirmationOutcome.Confirmed =>
                new ConfirmOperationReply { Outcome = ConfirmOperationReply.Types.Outcome.Confirmed },
            ConfirmationOutcome.TokenRequired =>
                new ConfirmOperationReply { Outcome = ConfirmOperationReply.Types.Outcome.TokenRequired },
            ConfirmationOutcome.TokenInvalid => new ConfirmOperationReply
            {
                Outcome = ConfirmOperationReply.Types.Outcome.TokenInvalid,
                Reason = check.Reason ?? "",
            },
            _ => throw new RpcException(new Status(StatusCode.Unavailable, "Verification cannot be asked.")),
        };
    }
}
