using System.Text.RegularExpressions;

namespace Introserv.Orders.Domain;

public static class OrderFieldTypes
{
    // One of the field's choices, by value.
    public const string Choice = "choice";

    // Free text matching the field's pattern.
    public const string Text = "text";
}

// A value a choice field accepts, with what a person reads.
public sealed record OrderFieldChoice(string Value, string Label);

// A field of a plan's order form: what the customer fills in when ordering (the operating system to install, the
// server's hostname, the data centre), kept with the order and handed to provisioning.
public sealed record OrderField(
    string Name, string Label, string Type, bool Required, IReadOnlyList<OrderFieldChoice>? Choices = null,
    string? Pattern = null, int MaxLength = OrderForm.ValueMaxLength, string? Hint = null)
{
    // The value as stored (trimmed; a hostname in lower case), or null with why it is refused.
    public (string? Value, string? Error) Check(string? given)
    {
        var value = given?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            return Required ? (null, $"{Label} is required.") : (null, null);
        }

        if (value.Length > MaxLength)
        {
            return (null, $"{Label} is at most {MaxLength} characters.");
        }

        if (Type == OrderFieldTypes.Choice)
        {
            var choice = Choices?.FirstOrDefault(
                c => string.Equals(c.Value, value, StringComparison.OrdinalIgnoreCase));
            return choice is null
                ? (null, $"{Label} must be one of: {string.Join(", ", Choices?.Select(c => c.Value) ?? [])}.")
                : (choice.Value, null);
        }

        if (Name == OrderForm.Hostname)
        {
            value = value.ToLowerInvariant();
        }

        return Pattern is not null && !Regex.IsMatch(value, Pattern, RegexOptions.None, TimeSpan.FromMilliseconds(100))
            ? (null, $"{Label} is not valid. {Hint}".TrimEnd())
            : (value, null);
    }
}

// The order forms of the catalogue: each plan type declares its fields (Plan.OrderForm).
public static class OrderForm
{
    public const string OperatingSystem = "os";
    public const string Hostname = "hostname";
    public const string Location = "location";

    public const int ValueMaxLength = 253;
    public const int MaxFields = 16;
    public const int NameMaxLength = 32;

    // A fully qualified or single-label hostname (RFC 1123): letters, digits and hyphens, labels of 1 to 63
    // characters that neither start nor end with a hyphen, separated by dots.
    public const string HostnamePattern =
        "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$";

    private static readonly OrderFieldChoice[] LinuxImages =
    [
        new("debian-12", "Debian 12"),
        new("debian-13", "Debian 13"),
        new("ubuntu-24.04", "Ubuntu 24.04 LTS"),
        new("almalinux-9", "AlmaLinux 9"),
        new("rocky-9", "Rocky Linux 9"),
    ];

    private static readonly OrderField HostnameField = new(
        Hostname, "Hostname", OrderFieldTypes.Text, Required: true, Pattern: HostnamePattern,
        Hint: "Letters, digits, hyphens and dots, e.g. web1.example.com.");

    public static readonly IReadOnlyList<OrderField> Vps =
    [
        new(OperatingSystem, "Operating system", OrderFieldTypes.Choice, Required: true, Choices: LinuxImages),
        HostnameField,
    ];

    public static readonly IReadOnlyList<OrderField> Dedicated =
    [
        new(OperatingSystem, "Operating system", OrderFieldTypes.Choice, Required: true,
            Choices:
            [
                .. LinuxImages, new("windows-server-2022", "Windows Server 2022"),
                new("none", "None (I install it)"),
            ]),
        HostnameField,
        new(Location, "Location", OrderFieldTypes.Choice, Required: true,
            Choices: [new("sofia", "Sofia, Bulgaria"), new("amsterdam", "Amsterdam, Netherlands"),
                new("frankfurt", "Frankfurt, Germany")]),
    ];

    public static IReadOnlyList<OrderField> For(string planType) =>
        planType == PlanTypes.Dedicated ? Dedicated : Vps;

    // The values to store (every field of the form that has one, by the form's names), or the errors by field
    // ("fields.hostname"; "fields" for a field the form does not have or too many of them).
    public static (Dictionary<string, string> Values, Dictionary<string, string[]> Errors) Check(
        IReadOnlyList<OrderField> form, IReadOnlyDictionary<string, string?>? given)
    {
        ArgumentNullException.ThrowIfNull(form);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        given ??= new Dictionary<string, string?>();
        if (given.Count > MaxFields)
        {
            errors["fields"] = [$"At most {MaxFields} fields."];
            return (values, errors);
        }

        var unknown = given.Keys
            .Where(name => !form.Any(f => string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase)))
            .ToList();
        if (unknown.Count > 0)
        {
            // A name is echoed only when it is short and plain; the form's names are listed either way.
            var named = unknown.Where(n => n.Length <= NameMaxLength && n.All(c => char.IsAsciiLetterOrDigit(c)
                || c is '_' or '-')).Take(3);
            var names = string.Join(", ", named);
            errors["fields"] = [$"Not a field of this plan's order form{(names.Length > 0 ? $": {names}" : "")}. " +
                $"The form has: {string.Join(", ", form.Select(f => f.Name))}."];
        }

        foreach (var field in form)
        {
            var entries = given.Where(g => string.Equals(g.Key, field.Name, StringComparison.OrdinalIgnoreCase))
                .ToList();
            if (entries.Count > 1)
            {
                errors[$"fields.{field.Name}"] = [$"{field.Label} is given more than once."];
                continue;
            }

            var (value, error) = field.Check(entries.FirstOrDefault().Value);
            if (error is not null)
            {
                errors[$"fields.{field.Name}"] = [error];
            }
            else if (value is not null)
            {
                values[field.Name] = value;
            }
        }

        return (values, errors);
    }
}
