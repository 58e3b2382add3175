using System.Collections.Frozen;

namespace Introserv.Identity.Features.Registration;

/// <summary>
/// Logins a customer cannot register because they would pass for the provider's staff or system mailboxes.
/// <para>
/// The rule, case-insensitive: split the login at separators (<c>.</c>, <c>_</c>, <c>-</c>) and digits; the
/// login is reserved when any part, or all its letters run together, is a <see cref="Words">reserved word</see>
/// (<c>admin</c>, <c>admin1</c>, <c>support.team</c>, <c>jane-admin</c>, <c>ad.min</c>), or when its letters
/// contain one of the <see cref="Distinctive">distinctive words</see> anywhere (<c>introservhelp</c>,
/// <c>mysupportdesk</c>). Short words are only matched whole, so <c>badminton</c> or <c>rootsy</c> stay free.
/// Accounts made by configuration (the bootstrap staff account) may use a reserved login.
/// </para>
/// </summary>
public static class ReservedLogins
{
    /// <summary>Reserved as a whole part of a login, or as all of its letters.</summary>
    public static readonly FrozenSet<string> Words = FrozenSet.Create(
        StringComparer.Ordinal,
        "abuse", "admin", "administrator", "billing", "helpdesk", "hostmaster", "info", "introserv", "moderator", "noc",
        "official", "operator", "postmaster", "root", "security", "staff", "superuser", "support", "sysadmin", "system",
        "webmaster");

    /// <summary>Reserved anywhere in a login's letters (long enough not to occur in ordinary names).</summary>
    public static readonly IReadOnlyList<string> Distinctive =
        ["administrator", "billing", "hostmaster", "introserv", "postmaster", "security", "support", "webmaster"];

    public static bool IsReserved(string login)
    {
        ArgumentNullException.ThrowIfNull(login);
        var lower = login.Trim().ToLowerInvariant();
        var parts = lower.Split(Separators, StringSplitOptions.RemoveEmptyEntries);
        var letters = string.Concat(parts);
        return parts.Any(Words.Contains)
            || Words.Contains(letters)
            || Distinctive.Any(word => letters.Contains(word, StringComparison.Ordinal));
    }

    private static readonly char[] Separators = ['.', '_', '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
}
