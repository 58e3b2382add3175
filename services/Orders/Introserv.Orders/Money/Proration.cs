namespace Introserv.Orders.Money;

/// <summary>
/// The value of the paid time an order has left, and what a plan change or an immediate cancellation moves.
/// <para>
/// An order keeps the span it is paid for, <c>[termStart, paidUntil)</c>, and what was paid for that span
/// (<c>termValue</c>: period prices, never the setup fee, less credits already given). The span is whole days
/// (both ends share the time of day). Rules:
/// </para>
/// <list type="bullet">
/// <item>Unused days are the <b>whole</b> days left until <c>paidUntil</c>; the day in which a change or a cancellation
/// happens counts as used (so a change a minute after ordering re-prices all days but the first).</item>
/// <item>The value of the unused days is <c>termValue × unusedDays ÷ termDays</c>; it never exceeds <c>termValue</c>.</item>
/// <item>A plan change re-prices the unused days at the new plan's price for the same billing period:
/// <c>difference = remaining × (newPeriodPrice − oldPeriodPrice) ÷ oldPeriodPrice</c>; positive is charged,
/// negative credited to the balance.</item>
/// <item>Each amount is rounded once, at the end, to cents, half away from zero (0.005 → 0.01).</item>
/// </list>
/// </summary>
public static class Proration
{
    public static readonly TimeSpan Day = TimeSpan.FromDays(1);

    /// <summary>Whole days of the paid span (at least 1).</summary>
    public static int TermDays(DateTimeOffset termStart, DateTimeOffset paidUntil) =>
        Math.Max(1, (int)Math.Ceiling((paidUntil - termStart) / Day - 1e-9));

    /// <summary>Whole days left until <paramref name="paidUntil"/>: the current, started day counts as used; never more than the span.</summary>
    public static int UnusedDays(DateTimeOffset termStart, DateTimeOffset paidUntil, DateTimeOffset now)
    {
        if (now >= paidUntil)
        {
            return 0;
        }

        var unused = (int)Math.Floor((paidUntil - now) / Day);
        return Math.Min(unused, TermDays(termStart, paidUntil));
    }

    /// <summary>The unrounded value of the unused days.</summary>
    public static decimal RemainingValue(decimal termValue, DateTimeOffset termStart, DateTimeOffset paidUntil, DateTimeOffset now) =>
        termValue * UnusedDays(termStart, paidUntil, now) / TermDays(termStart, paidUntil);

    /// <summary>The refund of an immediate cancellation: the value of the unused days, or nothing when the plan's terms refund nothing.</summary>
    public static decimal Refund(decimal termValue, DateTimeOffset termStart, DateTimeOffset paidUntil, DateTimeOffset now, bool refundsUnusedDays) =>
        refundsUnusedDays ? Cents(RemainingValue(termValue, termStart, paidUntil, now)) : 0m;

    /// <summary>The plan change's amount: positive to charge (upgrade), negative to credit (downgrade), zero for the same price.</summary>
    public static PlanChangeAmounts PlanChange(
        decimal termValue, DateTimeOffset termStart, DateTimeOffset paidUntil, DateTimeOffset now, decimal oldPeriodPrice, decimal newPeriodPrice)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(oldPeriodPrice);
        ArgumentOutOfRangeException.ThrowIfNegative(newPeriodPrice);
        var unusedDays = UnusedDays(termStart, paidUntil, now);
        var remaining = RemainingValue(termValue, termStart, paidUntil, now);
        var difference = Cents(remaining * (newPeriodPrice - oldPeriodPrice) / oldPeriodPrice);
        // After the change the order is paid for the unused days at the new price: what was left plus what moved.
        return new PlanChangeAmounts(unusedDays, difference, Cents(remaining) + difference, paidUntil - (unusedDays * Day));
    }

    /// <summary>Rounded to cents, half away from zero.</summary>
    public static decimal Cents(decimal amount) => decimal.Round(amount, 2, MidpointRounding.AwayFromZero);
}

/// <summary>
/// A plan change: <see cref="UnusedDays"/> re-priced, <see cref="Difference"/> charged (positive) or credited
/// (negative), and the order's new paid span: <see cref="NewTermStart"/> to paidUntil, worth <see cref="NewTermValue"/>.
/// </summary>
public sealed record PlanChangeAmounts(int UnusedDays, decimal Difference, decimal NewTermValue, DateTimeOffset NewTermStart);
