using Microsoft.Extensions.Options;

namespace Introserv.Identity.Features.SignIn;

// The hash a password is checked against when the login does not exist (or the password is too long to be
// anyone's), made with the configured hasher and iteration count, so the check costs what a real one costs and
// the response time does not tell which logins exist.
public sealed class UnknownLoginPassword(IOptions<PasswordHasherOptions> options)
{
    private readonly Lazy<string> _hash = new(() =>
        new PasswordHasher<Account>(options).HashPassword(null!, "introserv-timing-equalizer"));

    public string Hash => _hash.Value;

    // Spends the time of a password check; the answer is always "wrong".
    public void Verify(IPasswordHasher<Account> hasher, string password)
    {
        ArgumentNullException.ThrowIfNull(hasher);
        hasher.VerifyHashedPassword(null!, Hash, password);
    }
}
