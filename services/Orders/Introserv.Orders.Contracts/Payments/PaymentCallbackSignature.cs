using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Introserv.Orders.Contracts.Payments;

/// <summary>
/// The signature of a payment provider's callback (README, "Payment providers"): the header
/// <c>Payment-Timestamp</c> holds the Unix time in seconds, <c>Payment-Signature</c> one or more
/// <c>v1=&lt;hex&gt;</c> values separated by spaces, each the lower-case hex HMAC-SHA256 of
/// <c>"&lt;timestamp&gt;.&lt;raw body&gt;"</c> under a callback secret (two while a secret is rotated).
/// </summary>
public static class PaymentCallbackSignature
{
    public const string TimestampHeader = "Payment-Timestamp";
    public const string SignatureHeader = "Payment-Signature";
    public const string Version = "v1";

    // Longest signature header read: a few v1= values, never a body-sized header.
    public const int MaxHeaderLength = 1024;

    public static string Sign(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        return $"{Version}={Convert.ToHexStringLower(Mac(secret, timestamp, body))}";
    }

    // True when the timestamp is within window of now and one v1 value matches one of the secrets (compared in
    // constant time).
    public static bool Verify(
        IReadOnlyCollection<string> secrets, string? timestampHeader, string? signatureHeader, ReadOnlySpan<byte> body,
        DateTimeOffset now, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        if (secrets.Count == 0
            || string.IsNullOrEmpty(signatureHeader) || signatureHeader.Length > MaxHeaderLength
            || !long.TryParse(timestampHeader, NumberStyles.None, CultureInfo.InvariantCulture, out var timestamp)
            || timestamp > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return false;
        }

        var age = now - DateTimeOffset.FromUnixTimeSeconds(timestamp);
        if (age.Duration() > window)
        {
            return false;
        }

        // Each secret's MAC is computed once, whatever the number of values in the header (at most
        // MaxHeaderLength / 67 of them).
        List<byte[]>? expected = null;
        foreach (var part in signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!part.StartsWith(Version + "=", StringComparison.Ordinal) || part.Length != Version.Length + 1 + 64)
            {
                continue;
            }

            byte[] given;
            try
            {
                given = Convert.FromHexString(part.AsSpan(Version.Length + 1));
            }
            catch (FormatException)
            {
                continue;
            }

            if (expected is null)
            {
                expected = [];
                foreach (var secret in secrets)
                {
                    if (!string.IsNullOrEmpty(secret))
                    {
                        expected.Add(Mac(secret, timestamp, body));
                    }
                }
            }

            foreach (var mac in expected)
            {
                if (CryptographicOperations.FixedTimeEquals(given, mac))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static byte[] Mac(string secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        return HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message);
    }
}
