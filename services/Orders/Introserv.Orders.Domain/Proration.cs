namespace Introserv.Orders.Domain;

// The value of the paid time an order has left, and what a plan change or an immediate cancellation moves.
// An order keeps the span it is paid for, [termStart, paidUntil), and what was paid for that span
// (termValue: period prices, never the setup fee, less credits already given). The span is whole days
// (both ends share the time of day). Rules:
// - Unused days are the whole days left until paidUntil; the day in which a change or a cancellation
// happens counts as used (so a change a minute after ordering re-prices all days but the first).
// - The value of the unused days is termValue × unusedDays ÷ termDays; it never exceeds termValue.
// - Refunds follow the terms the money was paid under: an order also keeps refundableValue, the part of
// termValue paid under a plan that refunds unused days. An immediate cancellation refunds
// refundableValue × unusedDays ÷ termDays, and only when the order's plan refunds unused days.
// - A plan change re-prices the unused days at the new plan's price for the same billing period:
// difference = remaining × (newPeriodPrice − oldPeriodPrice) ÷ oldPeriodPrice. An upgrade's difference is
// charged (refundable later only when the new plan refunds unused days). A downgrade credits the difference, but
// never more than cancelling the old plan now would refund (so nothing when it refunds nothing); the rest of the
// difference is forfeited, and the unused days are worth their new price from then on.
// - Each amount is rounded once, at the end, to cents, half away from zero (0.005 → 0.01).
public static class Proration
{
    public static readonly TimeSpan Day = TimeSpan.FromDays(1);

    // Whole days of the paid span (at least 1).
    public static int TermDays(DateTimeOffset termStart, DateTimeOffset paidUntil) =>
        Math.Max(1, (int)Math.Ceiling((paidUntil - termStart) / Day - 1e-9));

    // Whole days left until paidUntil: the current, started day counts as used; never more than the span.
    public static int UnusedDays(DateTimeOffset termStart, DateTimeOffset paidUntil, DateTimeOffset now)
    {
        if (now >= paidUntil)
        {
            return 0;
        }

        var unused = (int)Math.Floor((paidUntil - now) / Day);
        return Math.Min(unused, TermDays(termStart, paidUntil));
    }

    // The unrounded value of the unused days.
    public static decimal RemainingValue(
        decimal termValue, DateTimeOffset termStart, DateTimeOffset paidUntil, DateTimeOffset now) =>
        termValue * UnusedDays(termStart, paidUntil, now) / TermDays(termStart, paidUntil);

    // The refund of an immediate cancellation: the value of the unused days of what was paid under refundable terms
    // (refundableValue), or nothing when the plan's terms refund nothing.
    public static decimal Refund(
        decimal refundableValue, DateTimeOffset termStart, DateTimeOffset paidUntil, DateTimeOffset now,
        bool refundsUnusedDays) =>
        refundsUnusedDays ? Cents(RemainingValue(refundableValue, termStart, paidUntil, now)) : 0m;

    // The plan change's amount: positive to charge (upgrade), negative to credit (downgrade; at most the refund a
    // cancellation under the old plan's terms would give now), zero when nothing moves.
    public static PlanChangeAmounts PlanChange(
        decimal termValue, DateTimeOffset termStart, DateTimeOffset paidUntil, DateTimeOffset now,
        decimal oldPeriodPrice, decimal newPeriodPrice, PlanChangeTerms terms)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(oldPeriodPrice);
        ArgumentOutOfRangeException.ThrowIfNegative(newPeriodPrice);
        ArgumentNullException.ThrowIfNull(terms);
        var unusedDays = UnusedDays(termStart, paidUntil, now);
        var unrounded = RemainingValue(termValue, termStart, paidUntil, now);
        var remaining = Cents(unrounded);
        var refundable = Math.Min(
            remaining, Refund(terms.RefundableValue, termStart, paidUntil, now, refundsUnusedDays: true));
        var difference = Cents(unrounded * (newPeriodPrice - oldPeriodPrice) / oldPeriodPrice);
        var newTermStart = paidUntil - (unusedDays * Day);
        if (difference >= 0)
        {
            // After the change the order is paid for the unused days at the new price: what was left plus what was
            // charged.
            return new PlanChangeAmounts(
                unusedDays, difference, remaining + difference, newTermStart,
                refundable + (terms.NewPlanRefunds ? difference : 0m), difference);
        }

        var credit = terms.OldPlanRefunds ? Math.Min(-difference, refundable) : 0m;
        var newValue = remaining + difference;
        return new PlanChangeAmounts(
            unusedDays, -credit, newValue, newTermStart, Math.Min(newValue, refundable - credit), difference);
    }

    // Rounded to cents, half away from zero.
    public static decimal Cents(decimal amount) => decimal.Round(amount, 2, MidpointRounding.AwayFromZero);
}

// What the terms allow in a plan change: the part of the order's paid value paid under refundable terms, and
// whether the old and the new plan refund unused days.
public sealed record PlanChangeTerms(decimal RefundableValue, bool OldPlanRefunds, bool NewPlanRefunds)
{
    // Both plans refund unused days and all of termValue was paid under such terms.
    public static PlanChangeTerms Refundable(decimal termValue) => new(termValue, true, true);
}

// A plan change: UnusedDays re-priced, Difference charged (positive) or credited
// (negative), and the order's new paid span: NewTermStart to paidUntil, worth NewTermValue,
// of which NewRefundableValue is refundable. Repriced is the unused days' change in
// value (it differs from Difference when the terms limit a downgrade's credit).
public sealed record PlanChangeAmounts(
    int UnusedDays, decimal Difference,
    decimal NewTermValue, DateTimeOffset NewTermStart, decimal NewRefundableValue,
    decimal Repriced);
