using System.ComponentModel.DataAnnotations;

namespace Introserv.Verification;

// Section Verification:Budgets: texts and calls the whole service may send per clock hour, in total and to each
// country, so that a flood of starts (SMS pumping, toll fraud) costs at most a known amount. Shared by every replica
// through Redis.
public sealed class TelephonyBudgetOptions
{
    public const int MaxBudget = 1_000_000;

    // Prefix of the budget counters in Redis; deployments that share one Redis (staging and production) keep
    // their budgets apart with different prefixes.
    public string KeyPrefix { get; set; } = "verification:budget";

    public ChannelBudget Sms { get; set; } = new() { GlobalPerHour = 600, PerCountryPerHour = 200 };

    public ChannelBudget Call { get; set; } = new() { GlobalPerHour = 300, PerCountryPerHour = 100 };

    public ChannelBudget For(string channel) => channel == Contracts.VerificationChannels.Sms ? Sms : Call;

    public IEnumerable<ValidationResult> Validate()
    {
        if (string.IsNullOrWhiteSpace(KeyPrefix)
            || KeyPrefix.Length > 100
            || KeyPrefix.Contains('{', StringComparison.Ordinal)
            || KeyPrefix.Contains('}', StringComparison.Ordinal))
        {
            yield return new ValidationResult("Budgets:KeyPrefix must be 1..100 characters without braces.");
        }

        foreach (var (channel, budget) in new[] { ("Sms", Sms), ("Call", Call) })
        {
            if (budget.GlobalPerHour is < 0 or > MaxBudget || budget.PerCountryPerHour is < 0 or > MaxBudget)
            {
                yield return new ValidationResult(
                    $"Budgets:{channel}:GlobalPerHour and PerCountryPerHour must be between 0 and {MaxBudget}.");
            }

            foreach (var (region, limit) in budget.Countries)
            {
                if (region.Length != 2 || !region.All(char.IsAsciiLetter) || limit is < 0 or > MaxBudget)
                {
                    yield return new ValidationResult(
                        $"Budgets:{channel}:Countries:{region} must be an ISO 3166-1 alpha-2 region code with a " +
                        $"budget between 0 and {MaxBudget}.");
                }
            }
        }
    }
}

// One channel's hourly budget. 0 stops the channel (or the country) entirely.
public sealed class ChannelBudget
{
    // Texts (or calls) per hour to all numbers together.
    public int GlobalPerHour { get; set; }

    // Texts (or calls) per hour to the numbers of any one country, unless Countries names it.
    public int PerCountryPerHour { get; set; }

    // Per-country budgets by ISO 3166-1 region code (e.g. BG: 500, GB: 20).
    public Dictionary<string, int> Countries { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    public int PerHourTo(string region) => Countries.TryGetValue(region, out var budget) ? budget : PerCountryPerHour;
}
