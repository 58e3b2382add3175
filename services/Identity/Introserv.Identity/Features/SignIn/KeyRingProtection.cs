using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Introserv.Identity.Data;
using Microsoft.AspNetCore.DataProtection;

namespace Introserv.Identity.Features.SignIn;

/// <summary>Where the Data Protection key ring's certificate comes from (configuration section <c>Identity:DataProtection</c>).</summary>
public sealed class KeyRingOptions
{
    /// <summary>The certificate new keys are encrypted with (and old ones decrypted).</summary>
    public CertificateSource Certificate { get; set; } = new();

    /// <summary>The certificate before the last replacement: keys it encrypted stay readable. Optional (a missing or empty file is none).</summary>
    public CertificateSource PreviousCertificate { get; set; } = new();
}

/// <summary>
/// An X.509 certificate with its RSA private key: a PEM file (the key in <see cref="KeyFile"/> or in the same
/// file), or a PKCS#12 file (<c>.pfx</c>/<c>.p12</c>) opened with <see cref="Password"/>.
/// </summary>
public sealed class CertificateSource
{
    public string? File { get; set; }

    public string? KeyFile { get; set; }

    public string? Password { get; set; }
}

/// <summary>
/// The Data Protection key ring (cookies, antiforgery, authenticator secrets) lives in Identity's database; outside
/// Development it is encrypted there with a certificate from configuration, so a copy of the database alone does
/// not reveal the keys. Without a certificate the service refuses to start, except in Development.
/// </summary>
public static class KeyRingProtection
{
    public const string ApplicationName = "introserv-identity";

    public static IHostApplicationBuilder AddKeyRing(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = builder.Configuration.GetSection($"{IdentityServerOptions.SectionName}:DataProtection").Get<KeyRingOptions>()
            ?? new KeyRingOptions();
        var protection = builder.Services.AddDataProtection()
            .SetApplicationName(ApplicationName)
            .PersistKeysToDbContext<IdentityServiceDbContext>();
#pragma warning disable CA2000 // The certificates live as long as the service: Data Protection holds them.
        var certificate = Load(settings.Certificate, "Identity:DataProtection:Certificate");
        var previous = Load(settings.PreviousCertificate, "Identity:DataProtection:PreviousCertificate", optional: true);
#pragma warning restore CA2000
        if (certificate is null)
        {
            if (!builder.Environment.IsDevelopment())
            {
                throw new InvalidOperationException(
                    $"Identity:DataProtection:Certificate:File is not configured. Outside Development ({builder.Environment.EnvironmentName}) " +
                    "the Data Protection key ring is encrypted at rest with a certificate: mount one (PEM with its key, or PKCS#12 " +
                    "with Identity:DataProtection:Certificate:Password) from a secret store.");
            }

            return builder;
        }

        protection.ProtectKeysWithCertificate(certificate)
            .UnprotectKeysWithAnyCertificate(previous is null ? [certificate] : [certificate, previous]);
        return builder;
    }

    /// <summary>
    /// The certificate, or null when <see cref="CertificateSource.File"/> is not set; an <paramref name="optional"/>
    /// one may also be a missing or empty file (deployments ship the previous certificate's file empty).
    /// </summary>
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
            throw new InvalidOperationException($"{name} must be an X.509 certificate with its RSA private key of at least 2048 bits.");
        }

        return certificate;
    }
}
