namespace Introserv.Identity.Data;

// A WebAuthn ceremony under way: the options (and so the challenge) handed to a browser, kept until the browser's
// answer comes back once. Taking it deletes it, so an answer cannot be replayed; it expires after a few minutes.
public sealed class PasskeyCeremony
{
    public Guid Id { get; set; }

    // The account it is for; null for a sign-in that does not know the account yet.
    public Guid? AccountId { get; set; }

    // What the answer may be used for (PasskeyPurpose).
    public required string Purpose { get; set; }

    // The handler's attestation or assertion state (challenge and options), as it produced it.
    public required string State { get; set; }

    public DateTimeOffset ExpiresAt { get; set; }
}
