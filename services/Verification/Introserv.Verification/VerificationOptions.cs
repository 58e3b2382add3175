using System.ComponentModel.DataAnnotations;

namespace Introserv.Verification;

// Section Verification: the rules of challenges and step-up tokens.
public sealed class VerificationOptions : IValidatableObject
{
    public const string SectionName = "Verification";

    // The longest a code may live (the rule is "at most ten minutes").
    public static readonly TimeSpan MaxCodeLifetime = TimeSpan.FromMinutes(10);

    // How long a sent code is valid.
    public TimeSpan CodeLifetime { get; set; } = TimeSpan.FromMinutes(5);

    // Wrong codes allowed per challenge (over all its resends) before it is locked.
    [Range(1, 10)]
    public int MaxAttempts { get; set; } = 5;

    // How long after a send the customer may ask for another.
    public TimeSpan ResendCooldown { get; set; } = TimeSpan.FromSeconds(60);

    // Sends per challenge, the first included.
    [Range(1, 10)]
    public int MaxSends { get; set; } = 4;

    // How long a step-up token from a confirmed challenge may be spent.
    public TimeSpan StepUpTokenLifetime { get; set; } = TimeSpan.FromMinutes(5);

    // Key of the HMAC that stores codes (a random string of at least 32 characters, e.g. openssl rand -hex 32): a copy
    // of Redis alone does not give the codes away. A secret; never in source control.
    [Required]
    public string? CodeHashKey { get; set; }

    public VerificationRateLimits RateLimits { get; set; } = new();

    // Section Verification:Budgets: how many texts and calls the whole service may send per hour.
    public TelephonyBudgetOptions Budgets { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (CodeLifetime <= TimeSpan.Zero || CodeLifetime > MaxCodeLifetime)
        {
            yield return new ValidationResult(
                $"CodeLifetime must be positive and at most {MaxCodeLifetime}.", [nameof(CodeLifetime)]);
        }

        if (ResendCooldown < TimeSpan.Zero
            || StepUpTokenLifetime <= TimeSpan.Zero
            || StepUpTokenLifetime > MaxCodeLifetime)
        {
            yield return new ValidationResult(
                "ResendCooldown must not be negative; StepUpTokenLifetime must be positive and at most ten minutes.");
        }

        foreach (var error in Budgets.Validate())
        {
            yield return error;
        }

        if (RateLimits.ChallengesPerAddress is < 1 or > 100_000)
        {
            yield return new ValidationResult("RateLimits:ChallengesPerAddress must be between 1 and 100000.");
        }

        if (CodeHashKeyBytes() is not { Length: >= 32 })
        {
            yield return new ValidationResult(
                "CodeHashKey must be a secret of at least 32 characters.", [nameof(CodeHashKey)]);
        }
    }

    public byte[]? CodeHashKeyBytes() =>
        string.IsNullOrWhiteSpace(CodeHashKey) ? null : System.Text.Encoding.UTF8.GetBytes(CodeHashKey.Trim());
}

// Fixed-window limits that stop one account or one phone number being flooded with codes.
public sealed class VerificationRateLimits
{
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(1);

    // New challenges an account may start per window.
    [Range(1, 1000)]
    public int ChallengesPerAccount { get; set; } = 10;

    // Messages and calls (first sends and resends) one phone number may receive per window.
    [Range(1, 1000)]
    public int SendsPerPhone { get; set; } = 8;

    // New challenges one client address may start per window, whatever the account (many accounts from one
    // address cannot pump codes). The address is the request's client address (the gateway forwards it).
    public int ChallengesPerAddress { get; set; } = 20;

    // The Redis key prefix of the counters (every replica of one deployment shares it).
    [RegularExpression("^[A-Za-z0-9:_-]{1,100}$")]
    public string KeyPrefix { get; set; } = "verification:limit";
}
