using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Introserv.Identity.Features.SignIn;

// Loads the configured signing and encryption keys, refusing weak or missing ones.
public static class SigningKeys
{
    public static RsaSecurityKey LoadSigningKey(SigningKeyOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return ParseSigningKey(
            Read(settings.SigningKey, settings.SigningKeyFile, "Identity:Keys:SigningKey"), "Identity:Keys:SigningKey");
    }

    // The signing key before the last rotation, when configured: published in the JWKS and accepted, never used
    // to sign. An empty or absent file means there is none (a deployment ships the file empty until a rotation).
    public static RsaSecurityKey? LoadPreviousSigningKey(SigningKeyOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var pem = settings.PreviousSigningKey;
        if (string.IsNullOrWhiteSpace(pem)
            && !string.IsNullOrWhiteSpace(settings.PreviousSigningKeyFile)
            && File.Exists(settings.PreviousSigningKeyFile))
        {
            pem = File.ReadAllText(settings.PreviousSigningKeyFile);
        }

        return string.IsNullOrWhiteSpace(pem) ? null : ParseSigningKey(pem, "Identity:Keys:PreviousSigningKey");
    }

    private static RsaSecurityKey ParseSigningKey(string pem, string name)
    {
#pragma warning disable CA2000 // The key lives as long as the server; OpenIddict holds it.
        var rsa = RSA.Create();
#pragma warning restore CA2000
        try
        {
            rsa.ImportFromPem(pem);
        }
        catch (ArgumentException ex)
        {
            rsa.Dispose();
            throw new InvalidOperationException($"{name} is not a PEM-encoded RSA private key.", ex);
        }

        if (rsa.KeySize < 2048)
        {
            rsa.Dispose();
            throw new InvalidOperationException($"{name} must be an RSA key of at least 2048 bits.");
        }

        // The key id is the key's own thumbprint, so it is stable across replicas and restarts.
        var thumbprint = SHA256.HashData(rsa.ExportSubjectPublicKeyInfo());
        return new RsaSecurityKey(rsa) { KeyId = Base64UrlEncoder.Encode(thumbprint[..16]) };
    }

    public static SymmetricSecurityKey LoadEncryptionKey(SigningKeyOptions settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var text = Read(settings.EncryptionKey, settings.EncryptionKeyFile, "Identity:Keys:EncryptionKey");
        byte[] bytes;
        try
        {
            bytes = Convert.FromBase64String(text.Trim());
        }
        catch (FormatException ex)
        {
            throw new InvalidOperationException("Identity:Keys:EncryptionKey is not base64.", ex);
        }

        if (bytes.Length != 32)
        {
            throw new InvalidOperationException(
                "Identity:Keys:EncryptionKey must be exactly 256 bits (32 bytes, base64).");
        }

        return new SymmetricSecurityKey(bytes);
    }

    // A new signing key PEM and encryption key, for provisioning (local runs, tests).
    public static (string SigningKeyPem, string EncryptionKeyBase64) Generate()
    {
        using var rsa = RSA.Create(2048);
        return (rsa.ExportPkcs8PrivateKeyPem(), Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
    }

    private static string Read(string? inline, string? file, string name)
    {
        if (!string.IsNullOrWhiteSpace(inline))
        {
            return inline;
        }

        if (!string.IsNullOrWhiteSpace(file))
        {
            if (!File.Exists(file))
            {
                throw new InvalidOperationException($"{name}File '{file}' does not exist.");
            }

            return File.ReadAllText(file);
        }

        throw new InvalidOperationException(
            $"{name} (or {name}File) is not configured. Tokens are never signed with a built-in key; " +
            "provide the keys from a secret store or mounted files.");
    }
}
