using Introserv.Orders.Domain;
using Introserv.Orders.Features.Common;

namespace Introserv.Orders.Tests;

public sealed class OrderRulesTests
{
    private static DateTimeOffset At(int year, int month, int day, int hour = 0, int minute = 0) =>
        new(year, month, day, hour, minute, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(2027, 1, 31, 28)] // 31 January + 1 month = 28 February
    [InlineData(2028, 1, 31, 29)] // leap year: 29 February
    [InlineData(2027, 2, 28, 28)] // 28 February + 1 month = 28 March
    [InlineData(2028, 2, 1, 29)] // February of a leap year
    [InlineData(2027, 12, 15, 31)]
    public void A_months_term_has_the_calendars_days(int year, int month, int day, int days)
    {
        var start = At(year, month, day, 13, 30);

        Assert.Equal(days, Proration.TermDays(start, start.AddMonths(1)));
    }

    [Fact]
    public void The_day_a_change_happens_in_counts_as_used()
    {
        var start = At(2027, 4, 1, 9);
        var paidUntil = start.AddMonths(1); // 30 days

        Assert.Equal(30, Proration.UnusedDays(start, paidUntil, start));
        Assert.Equal(29, Proration.UnusedDays(start, paidUntil, start.AddMinutes(1))); // same day
        Assert.Equal(29, Proration.UnusedDays(start, paidUntil, start.AddHours(23)));
        Assert.Equal(0, Proration.UnusedDays(start, paidUntil, paidUntil.AddMinutes(-1)));
        Assert.Equal(0, Proration.UnusedDays(start, paidUntil, paidUntil.AddDays(3)));
    }

    [Fact]
    public void Unused_days_never_exceed_the_paid_span()
    {
        // After a plan change the span starts at the first unused whole day, which may lie ahead.
        var paidUntil = At(2027, 5, 1);
        var spanStart = paidUntil.AddDays(-19);

        Assert.Equal(19, Proration.UnusedDays(spanStart, paidUntil, spanStart.AddDays(-2)));
        Assert.Equal(12.60m,
            Proration.Refund(12.60m, spanStart, paidUntil, spanStart.AddDays(-2), refundsUnusedDays: true));
    }

    [Theory]
    [InlineData(9.90, 30, 10, 6.27)] // 9.90 × 19 / 30 = 6.27 (10 days and an hour used: 19 whole days left)
    [InlineData(10.00, 3, 1, 3.33)] // 3.333… rounds down
    [InlineData(10.00, 3, 0, 6.67)] // 6.666… rounds up
    [InlineData(0.05, 2, 0, 0.03)] // 0.025: half away from zero
    public void Refunds_are_the_unused_whole_days_rounded_to_cents_half_away_from_zero(
        double termValue, int termDays, int daysUsed, double refund)
    {
        var start = At(2027, 3, 1);
        var paidUntil = start.AddDays(termDays);

        var amount = Proration.Refund((decimal)termValue, start, paidUntil, start.AddDays(daysUsed).AddHours(1),
            refundsUnusedDays: true);

        Assert.Equal((decimal)refund, amount);
    }

    [Fact]
    public void Plans_whose_terms_refund_nothing_refund_nothing()
    {
        var start = At(2027, 3, 1);

        Assert.Equal(0m, Proration.Refund(229m, start, start.AddMonths(1), start.AddDays(2), refundsUnusedDays: false));
    }

    [Fact]
    public void An_upgrade_charges_the_new_price_for_the_unused_days()
    {
        var start = At(2027, 4, 1);
        var paidUntil = start.AddMonths(1); // 30 days, paid 9.90

        var change = Proration.PlanChange(9.90m, start, paidUntil, start.AddDays(10).AddHours(2), oldPeriodPrice: 9.90m,
            newPeriodPrice: 19.90m, PlanChangeTerms.Refundable(9.90m));

        // 19 days left worth 6.27 at the old price; at the new one 6.27 × 19.90 / 9.90: 6.33 more.
        Assert.Equal(19, change.UnusedDays);
        Assert.Equal(6.33m, change.Difference);
        Assert.Equal(12.60m, change.NewTermValue);
        Assert.Equal(paidUntil.AddDays(-19), change.NewTermStart);
    }

    [Fact]
    public void A_downgrade_credits_the_difference_and_never_more_than_what_is_left()
    {
        var start = At(2028, 2, 1);
        var paidUntil = start.AddMonths(1); // 29 days in a leap year, paid 19.90

        var change = Proration.PlanChange(19.90m, start, paidUntil, start.AddHours(1), oldPeriodPrice: 19.90m,
            newPeriodPrice: 9.90m, PlanChangeTerms.Refundable(19.90m));

        // 28 days left worth 19.90 × 28 / 29 = 19.2137… (19.21); at the new price 10 / 19.90 of that, 9.655…,
        // less: 9.66 credited, and the rest of the term is worth 19.21 − 9.66.
        Assert.Equal(28, change.UnusedDays);
        Assert.Equal(-9.66m, change.Difference);
        Assert.Equal(9.55m, change.NewTermValue);
        Assert.True(-change.Difference <= Proration.RemainingValue(19.90m, start, paidUntil, start.AddHours(1)));
    }

    [Fact]
    public void A_change_on_the_last_day_moves_no_money()
    {
        var start = At(2027, 4, 1);
        var paidUntil = start.AddMonths(1);

        var change = Proration.PlanChange(9.90m, start, paidUntil, paidUntil.AddHours(-3), 9.90m, 39.90m,
            PlanChangeTerms.Refundable(9.90m));

        Assert.Equal((0, 0m), (change.UnusedDays, change.Difference));
    }

    [Fact]
    public void Plan_changes_of_a_discounted_period_keep_the_discount()
    {
        var start = At(2027, 1, 1);
        var paidUntil = start.AddMonths(12); // 365 days
        var oldPrice = Pricing.PeriodPrice(9.90m, 12, 10m); // 106.92
        var newPrice = Pricing.PeriodPrice(19.90m, 12, 10m); // 214.92

        var change = Proration.PlanChange(oldPrice, start, paidUntil, start.AddDays(182).AddHours(1), oldPrice,
            newPrice, PlanChangeTerms.Refundable(oldPrice));

        Assert.Equal((106.92m, 214.92m), (oldPrice, newPrice));
        Assert.Equal(182, change.UnusedDays);
        // 106.92 × 182 / 365 = 53.3131…; × 108 / 106.92 → 53.85.
        Assert.Equal(53.85m, change.Difference);
    }

    [Fact]
    public void A_downgrade_of_a_plan_that_refunds_nothing_credits_nothing_and_leaves_nothing_to_refund()
    {
        var start = At(2027, 1, 1);
        var paidUntil = start.AddMonths(12);
        var epyc = Pricing.PeriodPrice(229m, 12, 10m);
        var e3 = Pricing.PeriodPrice(89m, 12, 10m);
        var now = start.AddHours(1);

        var change = Proration.PlanChange(epyc, start, paidUntil, now, epyc, e3,
            new PlanChangeTerms(0m, OldPlanRefunds: false, NewPlanRefunds: true));
        var refundAfter = Proration.Refund(change.NewRefundableValue, change.NewTermStart, paidUntil, now.AddMinutes(1),
            refundsUnusedDays: true);

        Assert.True(change.Repriced < 0);
        Assert.Equal((0m, 0m, 0m), (change.Difference, change.NewRefundableValue, refundAfter));
        Assert.Equal(Proration.Cents(Proration.RemainingValue(epyc, start, paidUntil, now)) + change.Repriced,
            change.NewTermValue);
    }

    [Fact]
    public void A_downgrade_credits_at_most_what_a_cancellation_would_refund_and_the_two_together_never_more()
    {
        var start = At(2027, 1, 1);
        var paidUntil = start.AddMonths(1);
        var now = start.AddDays(3).AddHours(2);
        // 39.90 paid, of which only 10.00 under refundable terms (the rest was an upgrade to a plan that refunds
        // nothing).
        var terms = new PlanChangeTerms(10m, OldPlanRefunds: true, NewPlanRefunds: true);
        var cancelNow = Proration.Refund(terms.RefundableValue, start, paidUntil, now, refundsUnusedDays: true);

        var change = Proration.PlanChange(39.90m, start, paidUntil, now, 39.90m, 9.90m, terms);
        var cancelAfter = Proration.Refund(change.NewRefundableValue, change.NewTermStart, paidUntil, now,
            refundsUnusedDays: true);

        Assert.Equal(-cancelNow, change.Difference);
        Assert.True(change.Repriced < change.Difference);
        Assert.True(-change.Difference + cancelAfter <= cancelNow,
            $"{-change.Difference} + {cancelAfter} > {cancelNow}");
    }

    [Fact]
    public void An_upgrade_to_a_plan_that_refunds_nothing_keeps_only_the_old_money_refundable()
    {
        var start = At(2027, 1, 1);
        var paidUntil = start.AddMonths(1);

        var change = Proration.PlanChange(89m, start, paidUntil, start.AddHours(1), 89m, 229m,
            new PlanChangeTerms(89m, OldPlanRefunds: true, NewPlanRefunds: false));

        Assert.True(change.Difference > 0);
        Assert.Equal(change.NewTermValue - change.Difference, change.NewRefundableValue);
    }

    [Theory]
    [InlineData(OrderStatuses.Active, 10, 0)] // still paid: the span is extended
    [InlineData(OrderStatuses.Overdue, -2, -2)] // late: the new period follows paidUntil, the two days are paid for
    [InlineData(OrderStatuses.Suspended, -10, -10)]
    [InlineData(OrderStatuses.Suspended, -40, 0)] // a whole period in the past: the period starts now
    public void Every_renewal_follows_paid_until(string status, int paidUntilInDays, int newStartInDays)
    {
        var now = At(2027, 6, 15, 12);
        var order = new Order
        {
            PlanId = "vps-s", Status = status, Currency = "EUR", PaidUntil = now.AddDays(paidUntilInDays),
            TermStart = now.AddDays(paidUntilInDays).AddMonths(-1), TermValue = 9.90m, RefundableValue = 9.90m,
        };

        PaidTerm.Extend(order, 1, 9.90m, new TaxDecision(TaxRuleNames.OutsideEu, "US", 0m), false, now);

        var expectedStart = paidUntilInDays > 0
            ? now.AddDays(paidUntilInDays).AddMonths(-1)
            : now.AddDays(newStartInDays);
        Assert.Equal(expectedStart, order.TermStart);
        Assert.Equal(paidUntilInDays > 0 ? now.AddDays(paidUntilInDays).AddMonths(1) : expectedStart.AddMonths(1),
            order.PaidUntil);
        Assert.Equal(paidUntilInDays > 0 ? (19.80m, 9.90m) : (9.90m, 0m), (order.TermValue, order.RefundableValue));
    }

    public static TheoryData<string, OrderTrigger, string?> Transitions => new()
    {
        { OrderStatuses.PendingPayment, OrderTrigger.Paid, OrderStatuses.Active },
        { OrderStatuses.PendingPayment, OrderTrigger.CancelledNow, OrderStatuses.Cancelled },
        { OrderStatuses.PendingPayment, OrderTrigger.PaymentWindowEnded, OrderStatuses.Cancelled },
        { OrderStatuses.PendingPayment, OrderTrigger.Renewed, null },
        { OrderStatuses.PendingPayment, OrderTrigger.PlanChanged, null },
        { OrderStatuses.Active, OrderTrigger.Renewed, OrderStatuses.Active },
        { OrderStatuses.Active, OrderTrigger.PlanChanged, OrderStatuses.Active },
        { OrderStatuses.Active, OrderTrigger.PaidUntilPassed, OrderStatuses.Overdue },
        { OrderStatuses.Active, OrderTrigger.CancellationScheduled, OrderStatuses.PendingCancellation },
        { OrderStatuses.Active, OrderTrigger.CancelledNow, OrderStatuses.Cancelled },
        { OrderStatuses.Active, OrderTrigger.Paid, null },
        { OrderStatuses.Active, OrderTrigger.SuspensionGraceEnded, null },
        { OrderStatuses.Overdue, OrderTrigger.Renewed, OrderStatuses.Active },
        { OrderStatuses.Overdue, OrderTrigger.OverdueGraceEnded, OrderStatuses.Suspended },
        { OrderStatuses.Overdue, OrderTrigger.PlanChanged, null },
        { OrderStatuses.Overdue, OrderTrigger.CancellationScheduled, null },
        { OrderStatuses.Suspended, OrderTrigger.Renewed, OrderStatuses.Active },
        { OrderStatuses.Suspended, OrderTrigger.SuspensionGraceEnded, OrderStatuses.Terminated },
        { OrderStatuses.Suspended, OrderTrigger.OverdueGraceEnded, null },
        { OrderStatuses.PendingCancellation, OrderTrigger.CancellationWithdrawn, OrderStatuses.Active },
        { OrderStatuses.PendingCancellation, OrderTrigger.TermEnded, OrderStatuses.Cancelled },
        { OrderStatuses.PendingCancellation, OrderTrigger.Renewed, null },
        { OrderStatuses.PendingCancellation, OrderTrigger.PaidUntilPassed, null },
    };

    [Theory]
    [MemberData(nameof(Transitions))]
    public void The_status_machine_allows_only_its_transitions(string status, OrderTrigger trigger, string? next) =>
        Assert.Equal(next, OrderStateMachine.Next(status, trigger));

    [Theory]
    [InlineData(OrderStatuses.Cancelled)]
    [InlineData(OrderStatuses.Terminated)]
    public void Ended_orders_accept_nothing(string status)
    {
        Assert.All(Enum.GetValues<OrderTrigger>(), trigger => Assert.Null(OrderStateMachine.Next(status, trigger)));
        Assert.Empty(OrderStateMachine.ActionsFor(status));
        Assert.True(OrderStateMachine.IsFinal(status));
    }

    [Theory]
    [InlineData(OrderStatuses.PendingPayment, "pay,cancel")]
    [InlineData(OrderStatuses.Active, "renew,change_plan,cancel")]
    [InlineData(OrderStatuses.Overdue, "renew,cancel")]
    [InlineData(OrderStatuses.Suspended, "renew,cancel")]
    [InlineData(OrderStatuses.PendingCancellation, "cancel,withdraw_cancellation")]
    public void Each_status_offers_its_actions(string status, string actions) =>
        Assert.Equal(actions.Split(','), OrderStateMachine.ActionsFor(status));

    [Fact]
    public void Moving_an_order_writes_a_timeline_step_and_a_new_version_or_nothing()
    {
        var order = new Order
        {
            Id = Guid.NewGuid(),
            PlanId = "vps-s",
            Status = OrderStatuses.Active,
            Currency = "EUR",
            Version = 3
        };
        var at = At(2027, 6, 1);

        var refused = OrderStateMachine.Move(order, OrderTrigger.Paid, at, null);
        var step = OrderStateMachine.Move(order, OrderTrigger.PaidUntilPassed, at, "late");

        Assert.Null(refused);
        Assert.Equal((OrderStatuses.Overdue, 4), (order.Status, order.Version));
        Assert.Equal((order.Id, at, OrderStatuses.Overdue, "late"), (step!.OrderId, step.At, step.Status, step.Note));
    }

    [Theory]
    [InlineData(0, 30)]
    [InlineData(1, 30)] // a started day counts as remaining
    [InlineData(24 * 30, 0)]
    [InlineData(24 * 40, 0)] // never negative
    public void Days_remaining_count_a_started_day(int hoursElapsed, int days)
    {
        var start = At(2027, 4, 1);

        Assert.Equal(days, OrderActions.DaysRemaining(start.AddMonths(1), start.AddHours(hoursElapsed)));
    }
}
