using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;
using OtpNet;

namespace Introserv.Identity.Features.TwoFactor;

// A way of proving the second factor. TOTP and recovery codes are built in; the call-based verification of
// the Verification service plugs in as another method (its challenge id and code arrive the same way).
public interface ISecondFactorMethod
{
    // The stable method name shown to clients (totp, recovery_code, ...).
    string Name { get; }

    bool IsAvailableFor(Account account);

    // Checks the code and, on success, records its use in the database in the same conditional statement, so of
    // concurrent requests with one code exactly one succeeds.
    Task<bool> VerifyAsync(Account account, string code, CancellationToken cancellationToken);
}

// Authenticator-app codes (RFC 6238, 30 s steps, one step of drift, no replay).
public sealed class TotpMethod(IDataProtectionProvider protection, IdentityServiceDbContext db, TimeProvider clock)
    : ISecondFactorMethod
{
    public const string MethodName = "totp";
    public const string Issuer = "Introserv";
    private readonly IDataProtector _protector = protection.CreateProtector("Introserv.Identity.Totp.v1");

    public string Name => MethodName;

    public bool IsAvailableFor(Account account) => account.TotpSecret is not null;

    public string NewProtectedSecret(out string base32Secret)
    {
        var key = KeyGeneration.GenerateRandomKey(20);
        base32Secret = Base32Encoding.ToString(key);
        return _protector.Protect(base32Secret);
    }

    public string Unprotect(string protectedSecret) => _protector.Unprotect(protectedSecret);

    public static string OtpAuthUri(string login, string base32Secret) =>
        $"otpauth://totp/{Uri.EscapeDataString(Issuer)}:{Uri.EscapeDataString(login)}" +
        $"?secret={base32Secret}&issuer={Uri.EscapeDataString(Issuer)}&digits=6&period=30";

    public async Task<bool> VerifyAsync(Account account, string code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        return account.TotpSecret is { } secret && await VerifyAsync(account, secret, code, cancellationToken);
    }

    // Verifies a code against a (protected) secret and claims its time step; a step already used is refused.
    public async Task<bool> VerifyAsync(
        Account account, string protectedSecret, string code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(code);
        var digits = code.Replace(" ", "", StringComparison.Ordinal);
        if (digits.Length != 6 || !digits.All(char.IsAsciiDigit))
        {
            return false;
        }

        var totp = new Totp(Base32Encoding.ToBytes(Unprotect(protectedSecret)));
        if (!totp.VerifyTotp(
            clock.GetUtcNow().UtcDateTime, digits, out var step, new VerificationWindow(previous: 1, future: 1)))
        {
            return false;
        }

        // The row decides, not the copy in memory: PostgreSQL re-checks the condition after a concurrent update
        // commits, so only one request moves the step forward. The tracked entity is left alone on purpose: saving
        // it later must never write an older step back.
        var claimed = await db.Users
            .Where(a => a.Id == account.Id && (a.TotpLastUsedStep == null || a.TotpLastUsedStep < step))
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.TotpLastUsedStep, step), cancellationToken);
        return claimed == 1;
    }
}

// One-time recovery codes, for when the authenticator is lost.
public sealed class RecoveryCodeMethod(IdentityServiceDbContext db, TimeProvider clock) : ISecondFactorMethod
{
    public const string MethodName = "recovery_code";
    public const int CodeCount = 10;
    private const string Alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

    public string Name => MethodName;

    public bool IsAvailableFor(Account account) => account.TotpSecret is not null;

    public async Task<bool> VerifyAsync(Account account, string code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        var hash = Hash(code);
        var now = clock.GetUtcNow();
        var used = await db.RecoveryCodes
            .Where(c => c.AccountId == account.Id && c.CodeHash == hash && c.UsedAt == null)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.UsedAt, now), cancellationToken);
        return used == 1;
    }

    // Replaces the account's recovery codes; returns the new codes (shown once, stored hashed).
    public async Task<IReadOnlyList<string>> RegenerateAsync(Account account, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(account);
        await db.RecoveryCodes.Where(c => c.AccountId == account.Id).ExecuteDeleteAsync(cancellationToken);
        var codes = new List<string>(CodeCount);
        for (var i = 0; i < CodeCount; i++)
        {
            var code = $"{RandomNumberGenerator.GetString(Alphabet, 5)}-{RandomNumberGenerator.GetString(Alphabet, 5)}";
            codes.Add(code);
            db.RecoveryCodes.Add(
                new RecoveryCode { AccountId = account.Id, CodeHash = Hash(code), CreatedAt = clock.GetUtcNow() });
        }

        return codes;
    }

    public static string Hash(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        var normalized = code
            .Replace("-", "", StringComparison.Ordinal)
            .Replace(" ", "", StringComparison.Ordinal)
            .ToUpperInvariant();
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(normalized)));
    }
}

// The verified phone as a second factor of its own: codes arrive through Verification's challenges (sign-in page) or
// as a step-up token (POST step-up), never as a free-standing code, so VerifyAsync accepts none.
public sealed class PhoneMethod : ISecondFactorMethod
{
    public const string MethodName = "phone";

    public string Name => MethodName;

    public bool IsAvailableFor(Account account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return account.PhoneSecondFactorAt is not null;
    }

    public Task<bool> VerifyAsync(Account account, string code, CancellationToken cancellationToken) =>
        Task.FromResult(false);
}

// Checks a second-factor code with whichever available method accepts it.
public sealed class SecondFactorVerifier(IEnumerable<ISecondFactorMethod> methods)
{
    public IReadOnlyList<string> MethodsFor(Account account) =>
        methods.Where(m => m.IsAvailableFor(account)).Select(m => m.Name).ToList();

    public bool IsRequiredFor(Account account) => methods.Any(m => m.IsAvailableFor(account));

    // The name of the method that accepted the code, or null.
    public async Task<string?> VerifyAsync(Account account, string? code, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(code) || code.Length > 64)
        {
            return null;
        }

        foreach (var method in methods.Where(m => m.IsAvailableFor(account)))
        {
            if (await method.VerifyAsync(account, code.Trim(), cancellationToken))
            {
                return method.Name;
            }
        }

        return null;
    }
}
