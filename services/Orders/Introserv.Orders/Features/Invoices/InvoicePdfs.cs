using Grpc.Core;
using Introserv.Profile.Grpc;
using Microsoft.Extensions.Options;

namespace Introserv.Orders.Features.Invoices;

// An invoice as a PDF: its order, the customer's billing name and address from Profile (gRPC), the seller, drawn in a
// render slot. Profile unreachable: 503 service_unavailable, nothing drawn.
internal sealed class InvoicePdfs(
    OrdersDbContext db, BillingProfiles.BillingProfilesClient billing, IOptions<SellerOptions> seller,
    InvoiceRenderSlots slots, ILogger<InvoicePdfs> logger)
{
    public async Task<Results<FileContentHttpResult, ProblemHttpResult>> RenderAsync(
        Invoice invoice, CancellationToken cancellationToken)
    {
        var order = await db.Orders.AsNoTracking().SingleAsync(o => o.Id == invoice.OrderId, cancellationToken);
        BillingProfileReply profile;
        try
        {
            profile = await billing.GetBillingProfileAsync(
                new GetBillingProfileRequest { AccountId = invoice.AccountId.ToString("D") },
                cancellationToken: cancellationToken);
        }
        catch (RpcException ex)
        {
            logger.LogWarning(
                "The billing profile for invoice {InvoiceId} could not be read: {Status}", invoice.Id, ex.StatusCode);
            return OrdersProblems.ServiceUnavailable.Result(
                "The billing name and address could not be read; try again shortly.");
        }

        var party = InvoiceParty.From(profile);
        var pdf = await slots.RenderAsync(
            () => InvoiceDocument.Render(invoice, order, party, seller.Value), cancellationToken);
        return TypedResults.File(pdf, "application/pdf", $"invoice-{invoice.Number}.pdf");
    }
}
