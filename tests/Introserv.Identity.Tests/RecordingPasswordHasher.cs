using System.Collections.Concurrent;
using Introserv.Identity.Data;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace Introserv.Identity.Tests;

// The service's password hasher (the configured one), recording every check it makes: the hash checked against and
// the password given, so a test can see which hash a sign-in attempt really spent its time on.
public sealed class RecordingPasswordHasher(IOptions<PasswordHasherOptions> options) : IPasswordHasher<Account>
{
    private readonly PasswordHasher<Account> _inner = new(options);

    public ConcurrentQueue<(string Hash, string Password)> Checks { get; } = new();

    public string HashPassword(Account user, string password) => _inner.HashPassword(user, password);

    public PasswordVerificationResult VerifyHashedPassword(Account user, string hashedPassword, string providedPassword)
    {
        Checks.Enqueue((hashedPassword, providedPassword));
        return _inner.VerifyHashedPassword(user, hashedPassword, providedPassword);
    }
}
