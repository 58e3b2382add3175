namespace Introserv.Notifications.Features.LowBalanceAlert;

// The low-balance alert rule: one alert when the balance falls below the account's threshold (in the threshold's
// currency), none while it stays below, armed again once the balance is back at or above the threshold. A change
// in another currency, or an account without a threshold, alerts nothing and changes nothing.
public static class LowBalanceAlertRule
{
    public readonly record struct Outcome(bool Alert, bool Below);

    public static Outcome Evaluate(
        decimal? threshold, string? thresholdCurrency, bool wasBelow, decimal balance, string currency)
    {
        if (threshold is not { } limit || !string.Equals(thresholdCurrency, currency, StringComparison.Ordinal))
        {
            return new Outcome(false, wasBelow);
        }

        var below = balance < limit;
        return new Outcome(below && !wasBelow, below);
    }
}
