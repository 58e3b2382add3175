namespace Introserv.Orders.Features.Common;

// Shape limits of the Orders requests (what a plan offers is checked against the catalogue).
public static class OrderRules
{
    public const int PlanIdMaxLength = 64;
    public const int MaxPeriodMonths = 120;
    public const string PlanIdMessage = "A plan id from GET /api/plans.";

    // The periods a plan offers, for the error naming a period it does not.
    public static string PeriodMessage(Plan plan) =>
        $"One of {string.Join(", ", (plan ?? throw new ArgumentNullException(nameof(plan)))
            .Periods.Select(p => p.Months).Order())} for this plan.";
}

// What an endpoint answers, for the OpenAPI document: its success body and the problem statuses it can give.
public static class EndpointDocumentation
{
    public static RouteHandlerBuilder Answers<T>(
        this RouteHandlerBuilder endpoint, int status, params ProblemType[] problems)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        ArgumentNullException.ThrowIfNull(problems);
        return endpoint.Produces<T>(status).Problems(problems);
    }
}

// Amount is what is charged (gross); Tax shows its net, the VAT rate, the tax and the rule applied.
public sealed record InvoiceResponse(
    Guid Id, string? Number, Guid OrderId, string Kind, string Description,
    decimal Amount, string Currency,
    string Status, DateTimeOffset IssuedAt, DateTimeOffset? PaidAt, TaxBreakdown Tax);

public sealed record TimelineEntry(DateTimeOffset At, string Status, string? Note);

public sealed record OrderResponse(
    Guid Id,
    long Number,
    string PlanId,
    string PlanName,
    int PeriodMonths,
    string Status,
    string? IpAddress,
    DateTimeOffset? PaidUntil,
    int? DaysRemaining,
    decimal Cost,
    string Currency,
    bool AutoRenew,
    IReadOnlyList<string> Actions,
    DateTimeOffset CreatedAt,
    IReadOnlyList<string>? PaymentBlockedReasons = null,
    InvoiceResponse? Invoice = null,
    IReadOnlyList<TimelineEntry>? Timeline = null,
    IReadOnlyDictionary<string, string>? Fields = null,
    Guid? UnpaidInvoiceId = null);

// What a customer may do with an order in each status.
public static class OrderActions
{
    public static IReadOnlyList<string> For(string status) => OrderStateMachine.ActionsFor(status);

    // Whole days left until paidUntil (a started day counts), never negative.
    public static int? DaysRemaining(DateTimeOffset? paidUntil, DateTimeOffset now) =>
        paidUntil is { } until ? Math.Max(0, (int)Math.Ceiling((until - now).TotalDays)) : null;

    // unpaidInvoiceId: the order's unpaid invoice when the caller looked it up (an unpaid invoice given is one).
    public static OrderResponse View(
        Order order, DateTimeOffset now, IReadOnlyList<string>? blocked = null, Invoice? invoice = null,
        bool timeline = false, Guid? unpaidInvoiceId = null) =>
        new(
            order.Id, order.Number, order.PlanId, PlanNameOf(order.PlanId), order.PeriodMonths, order.Status,
            order.IpAddress,
            order.PaidUntil, DaysRemaining(order.PaidUntil, now),
            order.PeriodPrice, order.Currency, order.AutoRenew, For(order.Status), order.CreatedAt, blocked,
            invoice is null ? null : View(invoice),
            timeline
                ? [.. order.Timeline
                    .OrderBy(t => t.At)
                    .ThenBy(t => t.Id)
                    .Select(t => new TimelineEntry(t.At, t.Status, t.Note))]
                : null,
            order.Fields,
            invoice is { Status: InvoiceStatuses.Unpaid } ? invoice.Id : unpaidInvoiceId);

    // The plan's name as a person reads it ("VPS M"), the id when the catalogue no longer has the plan.
    public static string PlanNameOf(string planId) =>
        Array.Find(PlanCatalogue.Plans, p => p.Id == planId)?.Name ?? planId;

    public static InvoiceResponse View(Invoice i) =>
        new(i.Id, i.Number, i.OrderId, i.Kind, i.Description, i.Amount, i.Currency, i.Status, i.IssuedAt, i.PaidAt,
            TaxBreakdown.Of(i));
}
