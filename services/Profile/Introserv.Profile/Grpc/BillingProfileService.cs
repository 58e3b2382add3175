using Grpc.Core;
using Introserv.Profile.Features;
using Introserv.Profile.Grpc;
using Microsoft.AspNetCore.Authorization;

namespace Introserv.Profile.GrpcServices;

// For Orders: may this account pay invoices, and why not; who invoices are made out to. Service tokens only.
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
            BillingName = BillingName(profile),
            PostalAddress = new BillingAddress
            {
                Recipient = profile.PostalAddress.Recipient ?? string.Empty,
                Street = profile.PostalAddress.Street ?? string.Empty,
                City = profile.PostalAddress.City ?? string.Empty,
                PostalCode = profile.PostalAddress.PostalCode ?? string.Empty,
                Country = profile.PostalAddress.Country ?? string.Empty,
            },
        };
        reply.Reasons.AddRange(reasons);
        return reply;
    }

    // Who invoices are made out to: a company by its name, a person by first and last name.
    private static string BillingName(CustomerProfile profile) =>
        profile.ProfileType == ProfileTypes.Company && !string.IsNullOrWhiteSpace(profile.CompanyName)
            ? profile.CompanyName
            : $"{profile.FirstName} {profile.LastName}".Trim();
}
