using System.Security.Claims;
using Introserv.Orders.Features.Balance;
using Introserv.Orders.Features.PlaceOrder;
using Introserv.Orders.Features.Plans;
using Introserv.Orders.Features.Renewal;
using Microsoft.AspNetCore.Mvc;

namespace Introserv.Orders.Features.Invoices;

// The invoice list (newest first, paged like the order lists), one invoice, and paying an unpaid invoice from the
// balance.
public static class InvoiceEndpoints
{
    private const string InvalidLink = "This invoice link is not valid; sign in to download the invoice.";

    public static IEndpointRouteBuilder MapInvoices(this IEndpointRouteBuilder app)
    {
        var invoices = app.MapGroup("/api/invoices").WithTags("Invoices").RequireAuthorization();
        invoices.MapGet("/", ListAsync)
            .WithSummary("Invoices, newest first; filter by status (unpaid, paid, void); paged by nextCursor")
            .Answers<Page<InvoiceResponse>>(StatusCodes.Status200OK).Paged();
        invoices.MapGet("/{id:guid}", GetAsync)
            .WithSummary("One invoice: its number (a gap-free sequence per year), order, kind, amount and status")
            .Answers<InvoiceResponse>(StatusCodes.Status200OK, OrdersProblems.InvoiceNotFound);
        invoices.MapGet("/{id:guid}/pdf", PdfAsync)
            .WithSummary("The invoice as a PDF: seller, billing name, postal address and VAT id, number, dates, " +
                "order, line and totals")
            .Produces<byte[]>(StatusCodes.Status200OK, "application/pdf")
            .Problems(OrdersProblems.InvoiceNotFound, OrdersProblems.ServiceUnavailable);
        invoices.MapPost("/{id:guid}/pay", PayAsync)
            .WithSummary("Pay an unpaid invoice from the balance " +
                "(an optional Idempotency-Key makes a retry answer the first answer)")
            .Answers<OrderResponse>(StatusCodes.Status200OK,
                [OrdersProblems.InvoiceNotFound, OrdersProblems.InvoiceAlreadyPaid, OrdersProblems.InvoiceVoid,
                    OrdersProblems.AddressPoolExhausted, .. OrdersProblems.Payment, .. OrdersProblems.Keyed,
                    OrdersProblems.ServiceUnavailable]);
        app.MapGet(InvoiceLinks.PathPrefix + "/{accountId:guid}/{id:guid}/pdf", LinkedPdfAsync)
            .WithTags("Invoices").AllowAnonymous()
            .WithSummary("The invoice as a PDF through the signed link of its invoice mail (no token; the gateway " +
                "applies the account's IP allow-list)")
            .WithDescription("expires and signature come from the link. An altered or unknown link answers 404 " +
                "invoice_link_invalid; a link past its time 410 invoice_link_expired (sign in and use " +
                "GET /api/invoices/{id}/pdf).")
            .Produces<byte[]>(StatusCodes.Status200OK, "application/pdf")
            .Problems(OrdersProblems.InvoiceLinkInvalid, OrdersProblems.InvoiceLinkExpired,
                OrdersProblems.ServiceUnavailable);
        return app;
    }

    private static async Task<Results<Ok<Page<InvoiceResponse>>, ProblemHttpResult>> ListAsync(
        ClaimsPrincipal user, string? status, [AsParameters] PageQuery page, OrdersDbContext db,
        CancellationToken cancellationToken)
    {
        if (!page.TryRead(out (DateTimeOffset At, Guid Id)? before, out var problem))
        {
            return problem;
        }

        var accountId = user.AccountId();
        var query = db.Invoices.AsNoTracking().Where(i => i.AccountId == accountId);
        if (!string.IsNullOrEmpty(status))
        {
            query = query.Where(i => i.Status == status);
        }

        if (before is var (at, id))
        {
            query = query.Where(i => i.IssuedAt < at || (i.IssuedAt == at && i.Id.CompareTo(id) < 0));
        }

        var rows = await query
            .OrderByDescending(i => i.IssuedAt)
            .ThenByDescending(i => i.Id)
            .Take(page.Take + 1)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(page.PageOf(
            rows.Select(OrderActions.View).ToList(), i => PageCursor.Encode(i.IssuedAt, i.Id)));
    }

    private static async Task<Results<Ok<InvoiceResponse>, ProblemHttpResult>> GetAsync(
        Guid id, ClaimsPrincipal user, OrdersDbContext db, CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        var invoice = await db.Invoices.AsNoTracking()
            .FirstOrDefaultAsync(i => i.Id == id && i.AccountId == accountId, cancellationToken);
        return invoice is null
            ? OrdersProblems.InvoiceNotFound.Result("No such invoice for this account.")
            : TypedResults.Ok(OrderActions.View(invoice));
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> PdfAsync(
        Guid id, ClaimsPrincipal user, OrdersDbContext db, InvoicePdfs pdfs, CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        var invoice = await db.Invoices.AsNoTracking()
            .FirstOrDefaultAsync(i => i.Id == id && i.AccountId == accountId, cancellationToken);
        return invoice is null
            ? OrdersProblems.InvoiceNotFound.Result("No such invoice for this account.")
            : await pdfs.RenderAsync(invoice, cancellationToken);
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> LinkedPdfAsync(
        Guid accountId, Guid id, string? expires, string? signature, HttpContext context, InvoiceLinks links,
        OrdersDbContext db, InvoicePdfs pdfs, TimeProvider clock, CancellationToken cancellationToken)
    {
        // Whatever the answer, it is nobody's to keep: not a shared cache's, not a later page's referrer.
        context.Response.Headers.CacheControl = "private, no-store";
        context.Response.Headers["Referrer-Policy"] = "no-referrer";
        switch (links.Check(accountId, id, expires, signature, clock.Now()))
        {
            case InvoiceLinkCheck.Invalid:
                return OrdersProblems.InvoiceLinkInvalid.Result(InvalidLink);
            case InvoiceLinkCheck.Expired:
                return OrdersProblems.InvoiceLinkExpired.Result(
                    "This invoice link has ended; sign in to download the invoice.");
        }

        var invoice = await db.Invoices.AsNoTracking()
            .FirstOrDefaultAsync(i => i.Id == id && i.AccountId == accountId, cancellationToken);
        return invoice is null
            ? OrdersProblems.InvoiceLinkInvalid.Result(InvalidLink)
            : await pdfs.RenderAsync(invoice, cancellationToken);
    }

    private static async Task<Results<StoredAnswer, ProblemHttpResult>> PayAsync(
        Guid id, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey, ClaimsPrincipal user,
        OrdersDbContext db, KeyedRequests keyed, OrderPlacement placement, Ledger ledger, PlanCache plans,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var accountId = user.AccountId();
        var request = new KeyedRequest(
            accountId, idempotencyKey, "pay_invoice", Idempotency.HashOf(new { id }), KeyRequired: false);
        return await keyed.RunAsync(request, async ct =>
        {
            // The order's row, then the invoice's, are locked (always in that order, as cancellation does), so two
            // payments of one invoice cannot both charge and a cancellation cannot slip in between.
            var orderId = await db.Invoices.Where(i => i.Id == id && i.AccountId == accountId)
                .Select(i => (Guid?)i.OrderId).SingleOrDefaultAsync(ct);
            var order = orderId is { } known ? await db.LockAsync(known, accountId, ct) : null;
            var invoice = order is null ? null : await db.Invoices
                .FromSqlInterpolated($"SELECT * FROM invoices WHERE \"Id\" = {id} FOR UPDATE").SingleAsync(ct);
            if (invoice is null || order is null)
            {
                return KeyedOutcome.Refused(OrdersProblems.InvoiceNotFound.Result("No such invoice for this account."));
            }

            if (invoice.Status == InvoiceStatuses.Paid)
            {
                return KeyedOutcome.Refused(OrdersProblems.InvoiceAlreadyPaid.Result("This invoice is paid."));
            }

            var renewal = invoice.Kind == InvoiceKinds.Renewal;
            if (invoice.Status == InvoiceStatuses.Void
                || !OrderStateMachine.Allows(order.Status, renewal ? OrderTrigger.Renewed : OrderTrigger.Paid))
            {
                return KeyedOutcome.Refused(
                    OrdersProblems.InvoiceVoid.Result("This invoice's order was cancelled; it cannot be paid."));
            }

            var paid = renewal
                ? await RenewalCharge.PayAsync(
                        db, ledger, clock, order, invoice, order.PeriodMonths,
                        (await plans.GetAsync(db, order.PlanId, ct)).RefundsUnusedDays, "Renewal invoice paid", ct)
                    ? PaymentResult.Paid : PaymentResult.NotCovered
                : await placement.PayAsync(order, invoice, ct);
            return paid switch
            {
                PaymentResult.Paid => KeyedOutcome.Done(
                    StatusCodes.Status200OK, OrderActions.View(order, clock.Now(), invoice: invoice)),
                PaymentResult.NoFreeAddress => KeyedOutcome.Refused(OrdersProblems.PoolExhausted()),
                _ => KeyedOutcome.Refused(OrdersProblems.NotCovered("this invoice")),
            };
        }, cancellationToken, prepare: async ct =>
            await placement.PaymentBlockersAsync(accountId, ct) is { Count: > 0 } blocked
                ? OrdersProblems.Blocked(blocked)
                : null);
    }
}
