namespace Introserv.Identity.Data;

// A customer or staff account. IdentityUser.UserName is the billing login: lower case, unique, and never changed after
// registration.
public sealed class Account : IdentityUser<Guid>
{
    public required string FirstName { get; set; }

    public required string LastName { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    // PBKDF2 hash of the support security code; null until the customer sets it (once).
    public string? SecurityCodeHash { get; set; }

    public DateTimeOffset? SecurityCodeSetAt { get; set; }

    // The IP allow-list in canonical form; empty means no restriction.
    public List<string> IpAllowList { get; set; } = [];

    // Grows with every allow-list change (carried by IpAllowListChanged).
    public long IpAllowListVersion { get; set; }

    // Profile's version of the newest EmailChanged applied, so an older one arriving late changes nothing.
    public int? EmailProfileVersion { get; set; }

    public string? LastAccessIp { get; set; }

    public DateTimeOffset? LastAccessAt { get; set; }

    // The authenticator-app secret, protected with Data Protection; null when TOTP is off.
    public string? TotpSecret { get; set; }

    // A secret being enrolled, until the customer confirms it with a first code.
    public string? PendingTotpSecret { get; set; }

    public DateTimeOffset? TotpEnabledAt { get; set; }

    // The last TOTP time step accepted, so a code cannot be replayed within its window.
    public long? TotpLastUsedStep { get; set; }

    // "Confirm sensitive operations by call": each sensitive operation then needs a Verification step-up token for
    // that operation (a call to the verified phone, or an SMS), instead of the recent sign-in or step-up.
    public bool ConfirmOperationsByCall { get; set; }

    public DateTimeOffset? ConfirmOperationsByCallSince { get; set; }

    // When the phone became a second factor of its own (a code by SMS or call to the phone Verification holds as
    // verified); null when it is not one.
    public DateTimeOffset? PhoneSecondFactorAt { get; set; }

    // How many passkeys the account has (kept with every registration and removal): with one, a passkey is also a
    // second factor.
    public int PasskeyCount { get; set; }
}
