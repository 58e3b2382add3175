using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Introserv.Verification.Challenges;

/// <summary>Makes codes. Replaceable in tests only to know the code a fake gateway received.</summary>
public interface ICodeGenerator
{
    /// <summary>A code of <paramref name="digits"/> decimal digits, uniformly random.</summary>
    string Create(int digits);
}

/// <summary>Codes from the operating system's CSPRNG.</summary>
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

/// <summary>
/// Codes are kept as HMAC-SHA256 under a server key, salted with the challenge id: four to six digits are too
/// few to survive a plain hash if the store leaked.
/// </summary>
public sealed class CodeHasher(IOptions<VerificationOptions> settings)
{
    private readonly byte[] _key = settings.Value.CodeHashKeyBytes()
        ?? throw new InvalidOperationException("Verification:CodeHashKey is not set.");

    public string Hash(Guid challengeId, string code) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes($"{challengeId:N}:{code}")));

    /// <summary>Digits only, at most <paramref name="length"/> of them; anything else can never match.</summary>
    public static bool IsWellFormed(string? code, int length) =>
        code is not null && code.Length == length && code.All(char.IsAsciiDigit);
}
