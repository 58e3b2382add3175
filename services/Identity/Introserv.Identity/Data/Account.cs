using Microsoft.AspNetCore.Identity;

namespace Introserv.Identity.Data;

/// <summary>
/// A customer or staff account. <see cref="IdentityUser{TKey}.UserName"/> is the billing login: lower case,
/// unique, and never changed after registration.
/// </summary>
public sealed class Account : IdentityUser<Guid>
{
    public required string FirstName { get; set; }

    public required string LastName { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>PBKDF2 hash of the support security code; null until the customer sets it (once).</summary>
    public string? SecurityCodeHash { get; set; }

    public DateTimeOffset? SecurityCodeSetAt { get; set; }

    /// <summary>The IP allow-list in canonical form; empty means no restriction.</summary>
    public List<string> IpAllowList { get; set; } = [];

    /// <summary>Grows with every allow-list change (carried by <c>IpAllowListChanged</c>).</summary>
    public long IpAllowListVersion { get; set; }

    /// <summary>Profile's version of the newest <c>EmailChanged</c> applied, so an older one arriving late changes nothing.</summary>
    public int? EmailProfileVersion { get; set; }

    public string? LastAccessIp { get; set; }

    public DateTimeOffset? LastAccessAt { get; set; }

    /// <summary>The authenticator-app secret, protected with Data Protection; null when TOTP is off.</summary>
    public string? TotpSecret { get; set; }

    /// <summary>A secret being enrolled, until the customer confirms it with a first code.</summary>
    public string? PendingTotpSecret { get; set; }

    public DateTimeOffset? TotpEnabledAt { get; set; }

    /// <summary>The last TOTP time step accepted, so a code cannot be replayed within its window.</summary>
    public long? TotpLastUsedStep { get; set; }
}
