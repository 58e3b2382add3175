using System.Security.Cryptography;

namespace Introserv.AppHost;

// Token signing and encryption keys for local runs: generated once into the local state directory (mode
// 0600) and handed to Identity as files, so tokens survive restarts. Deployments mount their own keys.
public static class DevelopmentKeys
{
    public static (string SigningKeyFile, string EncryptionKeyFile) Ensure()
    {
        var dir = Path.Combine(LocalInfrastructure.StateDirectory(), "identity-keys");
        Directory.CreateDirectory(dir);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        var signing = Path.Combine(dir, "signing-key.pem");
        var encryption = Path.Combine(dir, "encryption-key.b64");
        if (!File.Exists(signing))
        {
            using var rsa = RSA.Create(2048);
            WritePrivate(signing, rsa.ExportPkcs8PrivateKeyPem());
        }

        if (!File.Exists(encryption))
        {
            WritePrivate(encryption, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
        }

        return (signing, encryption);
    }

    // A random secret kept in the same directory (e.g. the gateway's client secret at Identity).
    public static string EnsureSecret(string name)
    {
        var path = Path.Combine(LocalInfrastructure.StateDirectory(), "identity-keys", $"{name}.secret");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (!File.Exists(path))
        {
            WritePrivate(path, Convert.ToHexString(RandomNumberGenerator.GetBytes(32)));
        }

        return File.ReadAllText(path).Trim();
    }

    // Writes a new key file unless one appeared meanwhile: two AppHosts starting at once (tests do) both see
    // no file, and both must end up using the same one.
    private static void WritePrivate(string path, string content)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temporary, content);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
        }
    }
}
