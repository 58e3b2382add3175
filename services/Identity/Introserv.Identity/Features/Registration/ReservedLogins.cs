using System.Collections.Frozen;

namespace Introserv.Identity.Features.Registration;

// Logins a customer cannot register because they would pass for the provider's staff or system mailboxes.
//
// The rule, case-insensitive: split the login at separators ('.', '_', '-') and digits; the login is reserved when
// any part, or all its letters run together, is a reserved word (admin, admin1, support.team, jane-admin, ad.min), or
// when its letters contain one of the distinctive words anywhere (introservhelp, mysupportdesk). Short words are only
// matched whole, so badminton or rootsy stay free. Accounts made by configuration (the bootstrap staff account) may
// use a reserved login.
public static class ReservedLogins
{
    // Reserved as a whole part of a login, or as all of its letters.
    public static readonly FrozenSet<string> Words = FrozenSet.Create(
        StringComparer.Ordinal,
        "abuse", "admin", "administrator", "billing", "helpdesk", "hostmaster", "info", "introserv", "moderator", "noc",
        "official", "operator", "postmaster", "root", "security", "staff", "superuser", "support", "sysadmin", "system",
        "webmaster");

    // Reserved anywhere in a login's letters (long enough not to occur in ordinary names).
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
