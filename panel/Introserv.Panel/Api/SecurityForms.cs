using System.ComponentModel.DataAnnotations;

namespace Introserv.Panel.Api;

// The IP restriction as a text box: one address, a-b range or CIDR block per line; blank lines are ignored and an
// empty box removes the restriction.
public static class AllowListText
{
    public static List<string> Entries(string? text) =>
        [.. (text ?? string.Empty).Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0)];

    public static string Of(IEnumerable<string>? entries) => string.Join('\n', entries ?? []);

    // The API names a bad entry by its index ("entries[2]"): the line it came from, counting from 1.
    public static string? LineOf(string field) =>
        field.StartsWith("entries[", StringComparison.OrdinalIgnoreCase) && field.EndsWith(']')
            && int.TryParse(field.AsSpan(8, field.Length - 9), out var index)
            ? $"Line {index + 1}"
            : null;
}

public sealed class SecurityCodeForm
{
    [Required(ErrorMessage = "Enter a security code.")]
    [StringLength(64, MinimumLength = 4, ErrorMessage = "Use 4 to 64 characters.")]
    public string Code { get; set; } = string.Empty;

    [Compare(nameof(Code), ErrorMessage = "The two codes differ.")]
    public string Repeat { get; set; } = string.Empty;
}

public sealed class PasswordForm
{
    [Required(ErrorMessage = "Enter your current password.")]
    public string Current { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter a new password.")]
    [StringLength(128, MinimumLength = 8, ErrorMessage = "Use 8 to 128 characters.")]
    public string New { get; set; } = string.Empty;

    [Compare(nameof(New), ErrorMessage = "The two new passwords differ.")]
    public string Repeat { get; set; } = string.Empty;
}
