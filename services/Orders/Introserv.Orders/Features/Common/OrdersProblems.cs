namespace Introserv.Orders.Features.Common;

// Every coded problem the Orders API answers (see ProblemType); README lists them.
public static class OrdersProblems
{
    public static readonly ProblemType IdempotencyKeyRequired = new(
        StatusCodes.Status400BadRequest, "idempotency_key_required", "Idempotency-Key required");
    public static readonly ProblemType InvalidAddress = new(
        StatusCodes.Status400BadRequest, "invalid_address", "Invalid address");
    public static readonly ProblemType InsufficientBalance = new(
        StatusCodes.Status402PaymentRequired, "insufficient_balance", "Insufficient balance");
    public static readonly ProblemType AddressNotFound = new(
        StatusCodes.Status404NotFound, "address_not_found", "Address not in the pool");
    public static readonly ProblemType InvoiceNotFound = new(
        StatusCodes.Status404NotFound, "invoice_not_found", "Invoice not found");
    public static readonly ProblemType InvoiceLinkInvalid = new(
        StatusCodes.Status404NotFound, "invoice_link_invalid", "Invoice link not valid");
    public static readonly ProblemType InvoiceLinkExpired = new(
        StatusCodes.Status410Gone, "invoice_link_expired", "Invoice link ended");
    public static readonly ProblemType OrderNotFound = new(
        StatusCodes.Status404NotFound, "order_not_found", "Order not found");
    public static readonly ProblemType QuoteNotFound = new(
        StatusCodes.Status404NotFound, "quote_not_found", "Quote not found");
    public static readonly ProblemType IdempotencyRequestInProgress = new(
        StatusCodes.Status409Conflict, "idempotency_request_in_progress", "Request in progress");
    public static readonly ProblemType InvoiceAlreadyPaid = new(
        StatusCodes.Status409Conflict, "invoice_already_paid", "Already paid");
    public static readonly ProblemType InvoiceVoid = new(StatusCodes.Status409Conflict, "invoice_void", "Invoice void");
    public static readonly ProblemType NoScheduledCancellation = new(
        StatusCodes.Status409Conflict, "no_scheduled_cancellation", "Nothing to withdraw");
    public static readonly ProblemType OrderEnded = new(StatusCodes.Status409Conflict, "order_ended", "Order ended");
    public static readonly ProblemType OrderNotCancellable = new(
        StatusCodes.Status409Conflict, "order_not_cancellable", "Cannot cancel");

    // Written to the log only: the client of a money-moving request went away before anything was done
    // (nginx's 499).
    public static readonly ProblemType ClientClosedRequest = new(
        KeyedRequests.ClientClosedRequest, "client_closed_request", "Client went away");
    public static readonly ProblemType OrderNotChangeable = new(
        StatusCodes.Status409Conflict, "order_not_changeable", "Plan cannot be changed");
    public static readonly ProblemType OrderNotRenewable = new(
        StatusCodes.Status409Conflict, "order_not_renewable", "Cannot renew");
    public static readonly ProblemType PaymentReferenceUsed = new(
        StatusCodes.Status409Conflict, "payment_reference_used", "Payment already credited");
    public static readonly ProblemType QuoteAlreadyUsed = new(
        StatusCodes.Status409Conflict, "quote_already_used", "Quote already used");
    public static readonly ProblemType QuoteExpired = new(
        StatusCodes.Status409Conflict, "quote_expired", "Quote expired");
    public static readonly ProblemType QuoteOutdated = new(
        StatusCodes.Status409Conflict, "quote_outdated", "Order changed");
    public static readonly ProblemType CurrencyMismatch = new(
        StatusCodes.Status422UnprocessableEntity, "currency_mismatch", "Currency mismatch");
    public static readonly ProblemType IdempotencyKeyReused = new(
        StatusCodes.Status422UnprocessableEntity, "idempotency_key_reused", "Idempotency-Key already used");
    public static readonly ProblemType PlanChangeNotAllowed = new(
        StatusCodes.Status422UnprocessableEntity, "plan_change_not_allowed", "Plan change not allowed");
    public static readonly ProblemType AddressPoolExhausted = new(
        StatusCodes.Status503ServiceUnavailable, "address_pool_exhausted", "No free address");
    public static readonly ProblemType ServiceUnavailable = CommonProblems.ServiceUnavailable;

    // Top-ups and payment providers' callbacks.
    public static readonly ProblemType TopUpNotFound = new(
        StatusCodes.Status404NotFound, "top_up_not_found", "Top-up not found");
    public static readonly ProblemType PaymentMethodUnavailable = new(
        StatusCodes.Status422UnprocessableEntity, "payment_method_unavailable", "Payment method not offered");
    public static readonly ProblemType PaymentProviderUnavailable = new(
        StatusCodes.Status503ServiceUnavailable, "payment_provider_unavailable", "Payment provider unavailable");
    public static readonly ProblemType CallbackInvalid = new(
        StatusCodes.Status400BadRequest, "callback_invalid", "Callback not understood");
    public static readonly ProblemType CallbackSignatureInvalid = new(
        StatusCodes.Status401Unauthorized, "callback_signature_invalid", "Callback signature invalid");
    public static readonly ProblemType PaymentProviderUnknown = new(
        StatusCodes.Status404NotFound, "payment_provider_unknown", "Payment provider unknown");
    public static readonly ProblemType CallbackAmountMismatch = new(
        StatusCodes.Status409Conflict, "callback_amount_mismatch", "Amount differs from the top-up");

    // 403 payment_blocked_<reason>, one per reason Profile gives for refusing payment (the first reason is
    // the code; reasons lists them all).
    public static readonly IReadOnlyList<ProblemType> PaymentBlocked =
    [
        .. new[]
            {
                "personal_data_incomplete", "country_missing", "postal_address_incomplete", "company_rejected",
                "company_unverified"
            }
            .Select(reason => new ProblemType(
                StatusCodes.Status403Forbidden, $"payment_blocked_{reason}", "Payment blocked")),
    ];

    // The idempotency problems of a request that takes an Idempotency-Key.
    public static readonly IReadOnlyList<ProblemType> Keyed =
        [IdempotencyKeyRequired, IdempotencyRequestInProgress, IdempotencyKeyReused];

    // The problems of confirming a quote.
    public static readonly IReadOnlyList<ProblemType> Quote =
        [QuoteNotFound, QuoteAlreadyUsed, QuoteExpired, QuoteOutdated];

    // A charge above the confirmation amount, for an account that confirms sensitive operations by call.
    public static readonly IReadOnlyList<ProblemType> CallConfirmed =
        [ConfirmationProblems.StepUpRequired, ConfirmationProblems.ConfirmationUnavailable];

    // The problems of paying from the balance.
    public static readonly IReadOnlyList<ProblemType> Payment = [InsufficientBalance, .. PaymentBlocked];

    // The problem for code, a payment_blocked_* code.
    public static ProblemType PaymentBlockedFor(string code) =>
        PaymentBlocked.FirstOrDefault(p => p.Code == code)
            ?? new ProblemType(StatusCodes.Status403Forbidden, code, "Payment blocked");

    public static ProblemHttpResult NoSuchOrder() => OrderNotFound.Result("No such order for this account.");

    // 403 payment_blocked_<reason> with every reason the profile gives.
    public static ProblemHttpResult Blocked(IReadOnlyList<string> reasons) =>
        PaymentBlockedFor(reasons[0]).Result(
            "Invoices cannot be paid until the profile allows it (see reasons).",
            new Dictionary<string, object?> { ["reasons"] = reasons });

    public static ProblemHttpResult PoolExhausted() =>
        AddressPoolExhausted.Result(
            "No IP address is free for a new service right now; nothing was charged. " +
            "Try again later or contact support.");

    public static ProblemHttpResult NotCovered(string what) =>
        InsufficientBalance.Result($"The balance does not cover {what}; top it up first.");
}
