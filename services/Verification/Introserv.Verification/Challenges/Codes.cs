using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Introserv.Verification.Challenges;

// Makes codes. Replaceable in tests only to know the code a fake gateway received.
public interface ICodeGenerator
{
    // A code of digits decimal digits, uniformly random.
    string Create(int digits);
}

// Codes from the operating system's CSPRNG.
public sealed class RandomCodeGenerator : ICodeGenerator
{
    public string Create(int digits)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(digits, 4);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(digits, 9);
        var upper = (int)Math.Pow(10, digits);
        return RandomNumberGenerator.GetInt32(upper).ToString(new string('0', digits), CultureInfo.InvariantCulture);
    }
}

// Codes are kept as HMAC-SHA256 under a server key, salted with the challenge id: four to six digits are too
// few to survive a plain hash if the store leaked.
public sealed class CodeHasher(IOptions<VerificationOptions> settings)
{
    private readonly byte[] _key = settings.Value.CodeHashKeyBytes()
        ?? throw new InvalidOperationException("Verification:CodeHashKey is not set.");

    public string Hash(Guid challengeId, string code) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{challengeId:N}:{code}")));

    // Digits only, at most length of them; anything else can never match.
    public static bool IsWellFormed(string? code, int length) =>
        code is not null && code.Length == length && code.All(char.IsAsciiDigit);
}
