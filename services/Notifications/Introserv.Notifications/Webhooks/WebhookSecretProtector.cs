using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Introserv.Notifications.Webhooks;

// Keeps endpoints' signing secrets encrypted at rest: AES-256-GCM under Webhooks:SecretKey (base64 of 32 bytes, from a
// Secret), stored as "v1.{key id}.{base64 of nonce, ciphertext and tag}" where the key id is the first 8 hex digits of
// the key's SHA-256. Values written under Webhooks:PreviousSecretKey still open while a key is being replaced; a
// secret is written again under the current key whenever it changes (rotating an endpoint's secret re-encrypts both of
// its secrets). Development runs without a configured key use a fixed development key.
public sealed class WebhookSecretProtector
{
    private const string Version = "v1";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    // Development only (the options refuse to start without a key anywhere else).
    private static readonly byte[] DevelopmentKey =
        SHA256.HashData(Encoding.UTF8.GetBytes("introserv development webhook secret key"));

    private readonly (string Id, byte[] Key) _current;
    private readonly Dictionary<string, byte[]> _keys = new(StringComparer.Ordinal);

    public WebhookSecretProtector(IOptions<WebhookOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var current = WebhookOptions.ReadKey(options.Value.SecretKey) ?? DevelopmentKey;
        _current = (KeyId(current), current);
        _keys[_current.Id] = current;
        if (WebhookOptions.ReadKey(options.Value.PreviousSecretKey) is { } previous)
        {
            _keys.TryAdd(KeyId(previous), previous);
        }
    }

    public string Protect(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        var plain = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[NonceSize + plain.Length + TagSize];
        var nonce = sealedBytes.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_current.Key, TagSize);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceSize, plain.Length),
            sealedBytes.AsSpan(NonceSize + plain.Length), Encoding.ASCII.GetBytes(_current.Id));
        return $"{Version}.{_current.Id}.{Convert.ToBase64String(sealedBytes)}";
    }

    public string Unprotect(string stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var parts = stored.Split('.');
        if (parts is not [Version, var keyId, var payload])
        {
            throw new CryptographicException("Not a protected webhook secret.");
        }

        if (!_keys.TryGetValue(keyId, out var key))
        {
            throw new CryptographicException(
                $"The webhook secret was encrypted under key {keyId}, which is neither Webhooks:SecretKey nor " +
                "Webhooks:PreviousSecretKey.");
        }

        var sealedBytes = Convert.FromBase64String(payload);
        var length = sealedBytes.Length - NonceSize - TagSize;
        var plain = new byte[length];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(sealedBytes.AsSpan(0, NonceSize), sealedBytes.AsSpan(NonceSize, length),
            sealedBytes.AsSpan(NonceSize + length), plain, Encoding.ASCII.GetBytes(keyId));
        return Encoding.UTF8.GetString(plain);
    }

    private static string KeyId(byte[] key) => Convert.ToHexStringLower(SHA256.HashData(key))[..8];
}
