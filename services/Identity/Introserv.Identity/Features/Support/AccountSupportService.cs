using Grpc.Core;
using Introserv.BuildingBlocks.Data;
using Introserv.Identity.Data;
using Introserv.Identity.Features.Security;
using Introserv.Identity.Grpc;
using Introserv.ServiceDefaults;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Identity.Features.Support;

/// <summary>
/// gRPC for support tooling: checks a security code a caller reads out. Staff only; at most
/// <see cref="MaxFailures"/> wrong codes per account per <see cref="Window"/>; every check is audited on the
/// customer's account (who checked and the outcome, never the code).
/// </summary>
[Authorize(Policy = AuthenticationExtensions.StaffPolicy)]
public sealed class AccountSupportService(
    IdentityServiceDbContext db,
    IPasswordHasher<Account> hasher,
    TimeProvider clock) : AccountSupport.AccountSupportBase
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan Window = TimeSpan.FromHours(1);
    public const string CheckedAction = "security_code_checked";
    public const string FailedAction = "security_code_check_failed";
    public const string RefusedAction = "security_code_check_refused";

    public override async Task<CheckSecurityCodeReply> CheckSecurityCode(CheckSecurityCodeRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (string.IsNullOrWhiteSpace(request.Login) || string.IsNullOrEmpty(request.Code) || request.Code.Length > SecuritySettings.SecurityCodeMaxLength)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "login and code (at most 64 characters) are required."));
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

            // One check at a time per account, so concurrent checks cannot exceed the attempt limit.
            await db.Database.ExecuteSqlInterpolatedAsync($"SELECT 1 FROM \"AspNetUsers\" WHERE \"Id\" = {account.Id} FOR UPDATE", ct);
            var now = clock.GetUtcNow();
            if (account.SecurityCodeHash is null)
            {
                Audit.Record(db, account.Id, http, clock, CheckedAction, "Support asked for the security code; none is set", staffId);
                return new CheckSecurityCodeReply { Result = CheckSecurityCodeReply.Types.Result.NotSet };
            }

            var since = now - Window;
            var failures = await db.AuditEntries
                .Where(e => e.AccountId == account.Id && e.Action == FailedAction && e.At > since)
                .OrderBy(e => e.At)
                .Select(e => e.At)
                .ToListAsync(ct);
            if (failures.Count >= MaxFailures)
            {
                Audit.Record(db, account.Id, http, clock, RefusedAction, "Support security-code check refused: too many wrong codes", staffId);
                var retry = failures[^MaxFailures] + Window - now;
                return new CheckSecurityCodeReply
                {
                    Result = CheckSecurityCodeReply.Types.Result.Locked,
                    RetryAfterSeconds = (int)Math.Ceiling(Math.Max(retry.TotalSeconds, 1)),
                };
            }

            var match = hasher.VerifyHashedPassword(account, account.SecurityCodeHash, request.Code.Trim()) != PasswordVerificationResult.Failed;
            Audit.Record(
                db, account.Id, http, clock, match ? CheckedAction : FailedAction,
                match ? "Support verified the security code" : "Support checked a wrong security code", staffId);
            return new CheckSecurityCodeReply
            {
                Result = match ? CheckSecurityCodeReply.Types.Result.Match : CheckSecurityCodeReply.Types.Result.Mismatch,
                AttemptsLeft = MaxFailures - failures.Count - (match ? 0 : 1),
            };
        }, cancellationToken);
    }
}
