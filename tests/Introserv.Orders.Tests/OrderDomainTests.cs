using Introserv.Orders.Domain;

namespace Introserv.Orders.Tests;

// The domain core without a database: ledger postings, quote checks and how the paid term moves.
public sealed class OrderDomainTests
{
    private static readonly TaxDecision NoTax = new(TaxRuleNames.OutsideEu, "US", 0m);

    private static readonly DateTimeOffset Now = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    private static BalanceAccount Account(decimal balance) =>
        new() { AccountId = Guid.NewGuid(), Balance = balance, Currency = "EUR", Sequence = 4 };

    [Fact]
    public void A_debit_the_balance_covers_becomes_the_next_entry_and_moves_the_balance()
    {
        var account = Account(50m);
        var result = LedgerRules.Apply(
            account, new Posting(-19.90m, "EUR", LedgerRules.OrderCharge, "invoice", "i-1"), null, Now);
        Assert.Equal(PostingOutcome.Posted, result.Outcome);
        Assert.Equal((30.10m, 5L, Now), (account.Balance, account.Sequence, account.UpdatedAt));
        Assert.Equal((5L, -19.90m, 30.10m, "order_charge", "i-1"),
            (result.Entry!.Sequence, result.Entry.Amount, result.Entry.BalanceAfter, result.Entry.Reason,
                result.Entry.ReferenceId));
    }

    [Fact]
    public void A_debit_the_balance_does_not_cover_changes_nothing()
    {
        var account = Account(19.89m);
        var result = LedgerRules.Apply(account, new Posting(-19.90m, "EUR", LedgerRules.OrderCharge), null, Now);
        Assert.Equal((PostingOutcome.InsufficientBalance, null, 19.89m),
            (result.Outcome, result.Entry, result.Balance));
        Assert.Equal((19.89m, 4L), (account.Balance, account.Sequence));
    }

    [Fact]
    public void A_posting_in_another_currency_is_refused()
    {
        var account = Account(10m);
        Assert.Equal(PostingOutcome.CurrencyMismatch,
            LedgerRules.Apply(account, new Posting(5m, "USD", LedgerRules.TopUp), null, Now).Outcome);
        Assert.Equal(10m, account.Balance);
    }

    [Fact]
    public void A_payment_reference_is_credited_once_to_one_account()
    {
        var account = Account(10m);
        var posting = new Posting(25m, "EUR", LedgerRules.TopUp, LedgerRules.Payment, "pay-1");
        var mine = new LedgerEntry
        {
            AccountId = account.AccountId,
            Currency = "EUR",
            Reason = LedgerRules.TopUp,
            Amount = 25m
        };
        var theirs = new LedgerEntry
        {
            AccountId = Guid.NewGuid(),
            Currency = "EUR",
            Reason = LedgerRules.TopUp,
            Amount = 25m
        };
        Assert.Equal("pay-1", LedgerRules.PaymentReferenceOf(posting));
        Assert.Same(mine, LedgerRules.Apply(account, posting, mine, Now).Entry);
        Assert.Equal(PostingOutcome.AlreadyPosted, LedgerRules.Apply(account, posting, mine, Now).Outcome);
        Assert.Equal(PostingOutcome.ReferenceUsedElsewhere, LedgerRules.Apply(account, posting, theirs, Now).Outcome);
        Assert.Equal((10m, 4L), (account.Balance, account.Sequence));
    }

    private static Order ActiveOrder() => new()
    {
        Id = Guid.NewGuid(), AccountId = Guid.NewGuid(), PlanId = "vps-s", PeriodMonths = 1,
        Status = OrderStatuses.Active,
        Currency = "EUR", PeriodPrice = 9.90m, Version = 3,
    };

    [Theory]
    [InlineData(0, null, QuoteCheck.Valid)]
    [InlineData(15, null, QuoteCheck.Expired)]
    [InlineData(14, 1, QuoteCheck.Outdated)]
    public void A_quote_is_valid_fifteen_minutes_for_the_order_as_it_was(
        int minutesLater, int? versionsLater, QuoteCheck expected)
    {
        var order = ActiveOrder();
        var quote = QuoteRules.Create(order, QuoteKinds.Cancellation, 3m, NoTax, 9, Now);
        order.Version += versionsLater ?? 0;
        Assert.Equal(expected, QuoteRules.Check(quote, order, QuoteKinds.Cancellation, Now.AddMinutes(minutesLater)));
    }

    [Fact]
    public void A_quote_of_another_order_or_kind_is_not_found_and_a_confirmed_one_is_used()
    {
        var order = ActiveOrder();
        var quote = QuoteRules.Create(order, QuoteKinds.PlanChange, 3m, NoTax, 9, Now, "vps-m");
        Assert.Equal(QuoteCheck.NotFound, QuoteRules.Check(null, order, QuoteKinds.PlanChange, Now));
        Assert.Equal(QuoteCheck.NotFound, QuoteRules.Check(quote, order, QuoteKinds.Cancellation, Now));
        Assert.Equal(QuoteCheck.NotFound, QuoteRules.Check(quote, ActiveOrder(), QuoteKinds.PlanChange, Now));
        quote.ConfirmedAt = Now;
        Assert.Equal(QuoteCheck.AlreadyUsed, QuoteRules.Check(quote, order, QuoteKinds.PlanChange, Now));
    }

    [Fact]
    public void Activation_pays_one_period_from_now_and_keeps_the_refundable_part_by_the_plans_terms()
    {
        var order = ActiveOrder();
        PaidTerm.Activate(order, "203.0.113.10", refundsUnusedDays: false, NoTax, Now);
        Assert.Equal(("203.0.113.10", Now, Now.AddMonths(1), 9.90m, 0m),
            (order.IpAddress, order.TermStart, order.PaidUntil, order.TermValue, order.RefundableValue));
    }

    [Fact]
    public void A_refund_lowers_the_term_value_and_never_leaves_more_refundable_than_the_term_is_worth()
    {
        var order = ActiveOrder();
        order.TermValue = 9.90m;
        order.RefundableValue = 9.90m;
        PaidTerm.ReduceBy(order, 4m);
        Assert.Equal((5.90m, 5.90m), (order.TermValue, order.RefundableValue));
        PaidTerm.ReduceBy(order, 10m);
        Assert.Equal((0m, 0m), (order.TermValue, order.RefundableValue));
    }

    [Fact]
    public void Cancelling_now_refunds_the_unused_whole_days_only_under_refunding_terms()
    {
        var order = ActiveOrder();
        PaidTerm.Activate(order, "203.0.113.10", refundsUnusedDays: true, NoTax, Now);
        var later = Now.AddDays(10).AddHours(1);
        var (refund, unused) = PaidTerm.RefundNow(order, refundsUnusedDays: true, later);
        Assert.Equal(20, unused); // 31 days in March, 10 used and the started eleventh counts as used
        Assert.Equal(Proration.Cents(9.90m * 20 / 31), refund);
        Assert.Equal((0m, 20), PaidTerm.RefundNow(order, refundsUnusedDays: false, later));
        Assert.Equal((0m, 0), PaidTerm.RefundNow(ActiveOrder(), refundsUnusedDays: true, later));
    }

    [Fact]
    public void A_confirmed_plan_change_takes_the_quotes_span_and_the_new_price()
    {
        var order = ActiveOrder();
        var quote = new Quote
        {
            Kind = QuoteKinds.PlanChange, Currency = "EUR", NewTermStart = Now, NewTermValue = 15m,
            NewRefundableValue = 20m,
        };
        PaidTerm.ChangePlan(order, quote, "vps-m", 19.90m);
        Assert.Equal(("vps-m", 19.90m, Now, 15m, 15m),
            (order.PlanId, order.PeriodPrice, order.TermStart, order.TermValue, order.RefundableValue));
    }

    [Fact]
    public void The_domain_core_knows_nothing_of_http_or_ef_core()
    {
        var references = typeof(Order).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.NotEmpty(references);
        Assert.All(references, name => Assert.True(
            name.StartsWith("System", StringComparison.Ordinal) || name is "netstandard" or "mscorlib",
            $"the domain references {name}"));
    }

    [Theory]
    [InlineData(9.90, 12, 10, 106.92)]
    [InlineData(0.05, 1, 10, 0.05)] // 0.045 rounds half away from zero
    [InlineData(229, 3, 3, 666.39)]
    public void A_period_price_is_the_discounted_months_rounded_once_to_cents(
        decimal monthly, int months, decimal discount, decimal expected) =>
        Assert.Equal(expected, Pricing.PeriodPrice(monthly, months, discount));
}
