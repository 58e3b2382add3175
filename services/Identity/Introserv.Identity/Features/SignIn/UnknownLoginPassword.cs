using Introserv.Identity.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Introserv.Identity.Features.SignIn;

/// <summary>
/// The hash a password is checked against when the login does not exist (or the password is too long to be
/// anyone's), made with the configured hasher and iteration count, so the check costs what a real one costs and
/// the response time does not tell which logins exist.
/// </summary>
public sealed class UnknownLoginPassword(IOptions<PasswordHasherOptions> options)
{
    private readonly Lazy<string> _hash = new(() => new PasswordHasher<Account>(options).HashPassword(null!, "introserv-timing-equalizer"));

    public string Hash => _hash.Value;

    /// <summary>Spends the time of a password check; the answer is always "wrong".</summary>
    public void Verify(IPasswordHasher<Account> hasher, string password)
    {
        ArgumentNullException.ThrowIfNull(hasher);
        hasher.VerifyHashedPassword(null!, Hash, password);
    }
}
