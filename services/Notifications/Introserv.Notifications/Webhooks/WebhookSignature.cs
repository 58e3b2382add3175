using System.Security.Cryptography;
using System.Text;

namespace Introserv.Notifications.Webhooks;

// Standard Webhooks signing: the secret is "whsec_" and base64 of its key bytes; a delivery's signature is "v1," and
// base64 of HMAC-SHA256 over "{webhook-id}.{webhook-timestamp}.{body}". While a rotated secret's overlap lasts, the
// header carries one signature per secret, separated by spaces; a receiver accepts the delivery when one matches.
public static class WebhookSignature
{
    public const string SecretPrefix = "whsec_";

    // 32 random bytes, as "whsec_..." (shown to staff once).
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static string Sign(string secret, string messageId, long timestamp, string body)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var key = Convert.FromBase64String(
            secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret);
        var signed = Encoding.UTF8.GetBytes($"{messageId}.{timestamp}.{body}");
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, signed));
    }

    // The webhook-signature header's value: one signature per secret in use.
    public static string Header(IEnumerable<string> secrets, string messageId, long timestamp, string body) =>
        string.Join(' ', secrets.Select(secret => Sign(secret, messageId, timestamp, body)));
}
