using Grpc.Core;
using Introserv.Profile.Features;
using Introserv.Profile.Grpc;
using Microsoft.AspNetCore.Authorization;

namespace Introserv.Profile.GrpcServices;

// For Orders: may this account pay invoices, and why not. Service tokens only.
[Authorize(Policy = AuthenticationExtensions.ServicePolicy)]
public sealed class BillingProfileService(ProfileDbContext db) : BillingProfiles.BillingProfilesBase
{
    public override async Task<BillingProfileReply> GetBillingProfile(
        GetBillingProfileRequest request, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(context);
        if (!Guid.TryParse(request.AccountId, out var accountId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "account_id must be a GUID."));
        }

        var profile = await db.FindProfileAsync(accountId, context.CancellationToken);
        if (profile is null)
        {
            return new BillingProfileReply { Found = false, MayPayInvoices = false, Reasons = { "profile_missing" } };
        }

        var reasons = ProfileRules.PaymentBlockers(profile);
        var reply = new BillingProfileReply
        {
            Found = true,
            MayPayInvoices = reasons.Count == 0,
            Country = profile.Country ?? string.Empty,
            ProfileType = profile.ProfileType,
            CompanyVerification = profile.CompanyVerification,
            CompanyName = profile.CompanyName ?? string.Empty,
            VatId = profile.VatId ?? string.Empty,
        };
        reply.Reasons.AddRange(reasons);
        return reply;
    }
}
