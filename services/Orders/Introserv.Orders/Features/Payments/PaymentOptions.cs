using System.ComponentModel.DataAnnotations;

namespace Introserv.Orders.Features.Payments;

// Orders:Payments: the payment methods offered per country, the providers behind them, and where providers send the
// customer back and their callbacks. No method configured: the panel offers no top-up (staff credits only).
public sealed class PaymentOptions : IValidatableObject
{
    public const string Section = "Orders:Payments";

    // The gateway's public address; a provider's callbacks go to {CallbackBaseUrl}/api/payments/callbacks/{provider}.
    public Uri? CallbackBaseUrl { get; set; }

    // Where the provider sends the customer after paying (the panel's balance page).
    public Uri? ReturnUrl { get; set; }

    // How long a customer has to pay a top-up at the provider.
    [Range(typeof(TimeSpan), "00:05:00", "7.00:00:00")]
    public TimeSpan Lifetime { get; set; } = TimeSpan.FromHours(1);

    // How far a callback's timestamp may be from now (a replayed old callback is refused).
    [Range(typeof(TimeSpan), "00:00:30", "01:00:00")]
    public TimeSpan CallbackWindow { get; set; } = TimeSpan.FromMinutes(5);

    public Dictionary<string, PaymentProviderOptions> Providers { get; set; } = new(StringComparer.Ordinal);

    public Dictionary<string, PaymentMethodOptions> Methods { get; set; } = new(StringComparer.Ordinal);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (name, provider) in Providers)
        {
            if (!PaymentNames.IsValid(name))
            {
                yield return new ValidationResult($"Provider name '{name}': lower-case letters, digits and '-'.");
            }

            if (provider.BaseUrl is null || !provider.BaseUrl.IsAbsoluteUri)
            {
                yield return new ValidationResult($"Provider '{name}' needs an absolute BaseUrl.");
            }

            // Empty entries are slots not in use (the previous secret outside a rotation).
            var secrets = provider.CallbackSecrets.Where(s => !string.IsNullOrEmpty(s)).ToList();
            if (secrets.Count == 0 || secrets.Any(s => s.Length < 16))
            {
                yield return new ValidationResult(
                    $"Provider '{name}' needs CallbackSecrets (at least one, 16 characters or more).");
            }
        }

        foreach (var (id, method) in Methods)
        {
            if (!PaymentNames.IsValid(id))
            {
                yield return new ValidationResult($"Method id '{id}': lower-case letters, digits and '-'.");
            }

            if (!Providers.ContainsKey(method.Provider ?? ""))
            {
                yield return new ValidationResult($"Method '{id}' names provider '{method.Provider}', not configured.");
            }

            if (method.MinAmount <= 0 || method.MaxAmount < method.MinAmount)
            {
                yield return new ValidationResult($"Method '{id}': 0 < MinAmount <= MaxAmount.");
            }
        }

        if (Methods.Count > 0 && (CallbackBaseUrl is null || ReturnUrl is null))
        {
            yield return new ValidationResult("Payment methods need CallbackBaseUrl and ReturnUrl.");
        }
    }

    // The methods a customer in country may use, by Order, then id.
    public IEnumerable<(string Id, PaymentMethodOptions Method)> MethodsFor(string? country) =>
        Methods.Where(m => m.Value.OffersTo(country))
            .OrderBy(m => m.Value.Order)
            .ThenBy(m => m.Key, StringComparer.Ordinal)
            .Select(m => (m.Key, m.Value));
}

public sealed class PaymentProviderOptions
{
    public Uri? BaseUrl { get; set; }

    // Sent as Authorization: Bearer; from a Secret.
    public string? ApiKey { get; set; }

    // The secrets a callback may be signed with (two while rotating); from a Secret.
    public string[] CallbackSecrets { get; set; } = [];

    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);
}

public sealed class PaymentMethodOptions
{
    public string Name { get; set; } = "";

    public string? Provider { get; set; }

    // Where the method is listed (smaller first; configuration does not keep the order keys are written in).
    public int Order { get; set; }

    // ISO 3166-1 alpha-2 codes the method is offered in; empty: every country but ExcludedCountries.
    public string[] Countries { get; set; } = [];

    public string[] ExcludedCountries { get; set; } = [];

    public decimal MinAmount { get; set; } = 5m;

    public decimal MaxAmount { get; set; } = 10_000m;

    public bool OffersTo(string? country)
    {
        var code = country?.Trim().ToUpperInvariant() ?? "";
        if (ExcludedCountries.Contains(code, StringComparer.OrdinalIgnoreCase))
        {
            return false;
        }

        return Countries.Length == 0 || Countries.Contains(code, StringComparer.OrdinalIgnoreCase);
    }
}

public static class PaymentNames
{
    public static bool IsValid(string? name) =>
        name is { Length: > 0 and <= 32 }
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}
