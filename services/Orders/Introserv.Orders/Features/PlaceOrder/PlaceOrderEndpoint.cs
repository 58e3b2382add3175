using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using Grpc.Core;
using Introserv.BuildingBlocks.Hosting;
using Introserv.Orders.Features.Plans;
using Microsoft.AspNetCore.Mvc;

namespace Introserv.Orders.Features.PlaceOrder;

// A new order: a plan from GET /api/plans, one of its periods, and the values of its order form by field name.
public sealed record PlaceOrderRequest(
    [property: RequiredValue(ErrorMessage = OrderRules.PlanIdMessage), TextLength(OrderRules.PlanIdMaxLength)]
    string? PlanId,
    [property: RequiredValue,
        Range(1, OrderRules.MaxPeriodMonths, ErrorMessage = "A number of months the plan offers.")]
    int? PeriodMonths,
    bool? AutoRenew = null,
    Dictionary<string, string?>? Fields = null);

public static class PlaceOrderEndpoint
{
    public static RouteGroupBuilder MapPlaceOrder(this RouteGroupBuilder orders)
    {
        ArgumentNullException.ThrowIfNull(orders);
        orders.MapPost("/", PlaceAsync)
            .WithSummary("Order a plan for a billing period (Idempotency-Key header required)")
            .WithDescription("fields: the plan's order form (GET /api/plans, orderForm) by field name, e.g. " +
                "{ \"os\": \"debian-12\", \"hostname\": \"web1.example.com\" }; validation_failed names each " +
                "refused field as fields.<name>. 201: active with an address and paidUntil when paid from the " +
                "balance at once; otherwise pending_payment with an unpaid invoice (paymentBlockedReasons says why " +
                "when the profile does not allow payment).")
            .Answers<OrderResponse>(StatusCodes.Status201Created,
                [.. OrdersProblems.Keyed, OrdersProblems.AddressPoolExhausted, OrdersProblems.ServiceUnavailable,
                    .. OrdersProblems.CallConfirmed]);
        return orders;
    }

    // What a retry must repeat to be the same order: plan, period, auto-renewal and the form's values as stored, in
    // name order (the same form written in another order or case is the same order).
    public static string RequestHash(PlaceOrderRequest request, IReadOnlyDictionary<string, string> fields)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(fields);
        return Idempotency.HashOf(new
        {
            request.PlanId, request.PeriodMonths, request.AutoRenew,
            Fields = fields.OrderBy(f => f.Key, StringComparer.Ordinal).ToArray(),
        });
    }

    private static async Task<Results<StoredAnswer, ProblemHttpResult>> PlaceAsync(
        PlaceOrderRequest request, [FromHeader(Name = Idempotency.Header)] string? idempotencyKey,
        [FromHeader(Name = ConfirmedOperations.Header)] string? stepUpToken,
        ClaimsPrincipal user, OrdersDbContext db, PlanCache plans, KeyedRequests keyed, OrderPlacement placement,
        LargeChargeConfirmation confirmation, TimeProvider clock, CancellationToken cancellationToken)
    {
        var plan = request.PlanId is null ? null : await plans.FindAsync(db, request.PlanId, cancellationToken);
        // Validation has checked the shape; whether the catalogue offers the plan and period is known only here.
        if (plan is not { Active: true })
        {
            return FieldError.Result("planId", OrderRules.PlanIdMessage);
        }

        var period = plan.Periods.FirstOrDefault(p => p.Months == request.PeriodMonths);
        if (period is null)
        {
            return FieldError.Result("periodMonths", OrderRules.PeriodMessage(plan));
        }

        var (fields, refused) = OrderForm.Check(plan.FormFields, request.Fields);
        if (refused.Count > 0)
        {
            return FieldError.Result(refused);
        }

        var accountId = user.AccountId();
        IReadOnlyList<string> blocked = [];
        TaxDecision? tax = null;
        try
        {
            return await keyed.RunAsync(
                new KeyedRequest(
                    accountId, idempotencyKey, "place_order", RequestHash(request, fields), KeyRequired: true),
                async ct =>
                {
                    var (order, invoice, payment) = await placement.PlaceAsync(
                        accountId, plan, period, request.AutoRenew ?? false, fields, blocked.Count == 0, tax!, ct);
                    return payment == PaymentResult.NoFreeAddress
                        ? KeyedOutcome.Refused(OrdersProblems.PoolExhausted())
                        // The numbers are known before the save: the answer is written with everything else.
                        : KeyedOutcome.Done(
                            StatusCodes.Status201Created,
                            (object)OrderActions.View(order, clock.Now(), blocked, invoice),
                            $"/api/orders/{order.Id}");
                },
                cancellationToken,
                prepare: async ct =>
                {
                    (blocked, tax) = await placement.BillingAsync(accountId, ct);
                    // Last: a confirmation token is spent by the check (on the gross amount, what is charged).
                    return await confirmation.RequireAsync(
                        accountId, ConfirmedOperations.ConfirmOrder,
                        TaxRules.Apply(Pricing.PeriodPrice(plan, period) + plan.SetupFee, tax.Rate).Gross,
                        plan.Currency, stepUpToken, ct);
                });
        }
        catch (RpcException)
        {
            return OrdersProblems.ServiceUnavailable.Result(
                "Payment eligibility could not be checked; nothing was ordered. Try again shortly.");
        }
    }
}
