using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;

namespace Introserv.Identity.Features.SignIn;

// Where the Data Protection key ring's certificate comes from (configuration section Identity:DataProtection).
public sealed class KeyRingOptions
{
    // The certificate new keys are encrypted with (and old ones decrypted).
    public CertificateSource Certificate { get; set; } = new();

    // The certificate before the last replacement: keys it encrypted stay readable. Optional (a missing or empty file
    // is none).
    public CertificateSource PreviousCertificate { get; set; } = new();
}

// An X.509 certificate with its RSA private key: a PEM file (the key in KeyFile or in the same file), or a PKCS#12 file
// (.pfx/.p12) opened with Password.
public sealed class CertificateSource
{
    public string? File { get; set; }

    public string? KeyFile { get; set; }

    public string? Password { get; set; }
}

// The Data Protection key ring (cookies, antiforgery, authenticator secrets) lives in Identity's database; outside
// Development it is encrypted there with a certificate from configuration, so a copy of the database alone does
// not reveal the keys. Without a certificate the service refuses to start, except in Development.
public static class KeyRingProtection
{
    public const string ApplicationName = "introserv-identity";

    public static IHostApplicationBuilder AddKeyRing(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = builder.Configuration
            .GetSection($"{IdentityServerOptions.SectionName}:DataProtection")
            .Get<KeyRingOptions>()
            ?? new KeyRingOptions();
        var protection = builder.Services.AddDataProtection()
            .SetApplicationName(ApplicationName)
            .PersistKeysToDbContext<IdentityServiceDbContext>();
#pragma warning disable CA2000 // The certificates live as long as the service: Data Protection holds them.
        var certificate = Load(settings.Certificate, "Identity:DataProtection:Certificate");
        var previous = Load(
            settings.PreviousCertificate, "Identity:DataProtection:PreviousCertificate", optional: true);
#pragma warning restore CA2000
        if (certificate is null)
        {
            if (!builder.Environment.IsDevelopment())
            {
                throw new InvalidOperationException(
                    $"Identity:DataProtection:Certificate:File is not configured. " +
                    $"Outside Development ({builder.Environment.EnvironmentName}) " +
                    "the Data Protection key ring is encrypted at rest with a certificate: mount one (PEM with its " +
                    "key, or PKCS#12 with Identity:DataProtection:Certificate:Password) from a secret store.");
            }

            return builder;
        }

        protection.ProtectKeysWithCertificate(certificate)
            .UnprotectKeysWithAnyCertificate(previous is null ? [certificate] : [certificate, previous]);
        return builder;
    }

    // The certificate, or null when CertificateSource.File is not set; an optional one may also be a missing or empty
    // file (deployments ship the previous certificate's file empty).
    public static X509Certificate2? Load(CertificateSource source, string name, bool optional = false)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (string.IsNullOrWhiteSpace(source.File))
        {
            return null;
        }

        var file = new FileInfo(source.File);
        if (optional && (!file.Exists || file.Length == 0))
        {
            return null;
        }

        if (!file.Exists)
        {
            throw new InvalidOperationException($"{name}:File '{source.File}' does not exist.");
        }

        X509Certificate2 certificate;
        try
        {
            var keyFile = string.IsNullOrWhiteSpace(source.KeyFile) ? null : source.KeyFile;
            certificate = file.Extension.ToUpperInvariant() is ".PFX" or ".P12"
                ? X509CertificateLoader.LoadPkcs12FromFile(file.FullName, source.Password)
                : string.IsNullOrEmpty(source.Password)
                    ? X509Certificate2.CreateFromPemFile(file.FullName, keyFile)
                    : X509Certificate2.CreateFromEncryptedPemFile(file.FullName, source.Password, keyFile);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException($"{name} cannot be read: {ex.Message}", ex);
        }

        using var rsa = certificate.GetRSAPrivateKey();
        if (rsa is null || rsa.KeySize < 2048)
        {
            certificate.Dispose();
            throw new InvalidOperationException(
                $"{name} must be an X.509 certificate with its RSA private key of at least 2048 bits.");
        }

        return certificate;
    }
}
