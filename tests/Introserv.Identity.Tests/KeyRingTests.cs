using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Introserv.Identity.Features.SignIn;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Introserv.Identity.Tests;

// The key ring certificate and the previous signing key, as configuration supplies them.
public sealed class KeyRingTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("introserv-keyring-");

    [Theory]
    [InlineData("Production")]
    [InlineData("Staging")]
    [InlineData("Testing")]
    public void Outside_Development_start_up_fails_without_a_certificate(string environment)
    {
        var error = Assert.Throws<InvalidOperationException>(() => Builder(environment).AddKeyRing());

        Assert.Contains("Identity:DataProtection:Certificate:File is not configured", error.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Development_starts_without_a_certificate_and_production_with_one()
    {
        Builder("Development").AddKeyRing();
        var (certificate, key) = WritePem("current");

        Builder("Production", new()
        {
            ["Identity:DataProtection:Certificate:File"] = certificate,
            ["Identity:DataProtection:Certificate:KeyFile"] = key,
        }).AddKeyRing();
    }

    [Fact]
    public void PEM_and_PKCS12_certificates_load_with_their_private_key()
    {
        var (certificate, key) = WritePem("pem");
        using var fromPem = KeyRingProtection.Load(new CertificateSource { File = certificate, KeyFile = key }, "test");
        Assert.True(fromPem!.HasPrivateKey);

        var pfx = Path.Combine(_directory.FullName, "keyring.pfx");
        File.WriteAllBytes(pfx, fromPem.Export(X509ContentType.Pkcs12, "pfx password 1"));
        using var fromPfx = KeyRingProtection.Load(
            new CertificateSource { File = pfx, Password = "pfx password 1" }, "test");
        Assert.Equal(fromPem.Thumbprint, fromPfx!.Thumbprint);
        Assert.Throws<InvalidOperationException>(() =>
            KeyRingProtection.Load(new CertificateSource { File = pfx, Password = "wrong" }, "test"));
    }

    [Fact]
    public void A_missing_certificate_file_is_an_error_unless_it_is_the_optional_previous_one()
    {
        var missing = new CertificateSource { File = Path.Combine(_directory.FullName, "absent.pem") };
        var empty = Path.Combine(_directory.FullName, "empty.pem");
        File.WriteAllText(empty, "");

        Assert.Throws<InvalidOperationException>(() => KeyRingProtection.Load(missing, "test"));
        Assert.Null(KeyRingProtection.Load(missing, "test", optional: true));
        Assert.Null(KeyRingProtection.Load(new CertificateSource { File = empty }, "test", optional: true));
    }

    [Fact]
    public void The_previous_signing_key_is_optional_and_checked_like_the_current_one()
    {
        var empty = Path.Combine(_directory.FullName, "previous-signing-key.pem");
        File.WriteAllText(empty, "");
        Assert.Null(SigningKeys.LoadPreviousSigningKey(new SigningKeyOptions()));
        Assert.Null(SigningKeys.LoadPreviousSigningKey(new SigningKeyOptions { PreviousSigningKeyFile = empty }));

        var (pem, _) = SigningKeys.Generate();
        Assert.Equal(
            SigningKeys.LoadSigningKey(new SigningKeyOptions { SigningKey = pem }).KeyId,
            SigningKeys.LoadPreviousSigningKey(new SigningKeyOptions { PreviousSigningKey = pem })!.KeyId);
        using var small = RSA.Create(1024);
        Assert.Throws<InvalidOperationException>(() =>
            SigningKeys.LoadPreviousSigningKey(
                new SigningKeyOptions { PreviousSigningKey = small.ExportPkcs8PrivateKeyPem() }));
    }

    public void Dispose() => _directory.Delete(recursive: true);

    private static HostApplicationBuilder Builder(string environment, Dictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(
            new HostApplicationBuilderSettings { EnvironmentName = environment });
        builder.Configuration.AddInMemoryCollection(settings ?? []);
        return builder;
    }

    private (string Certificate, string Key) WritePem(string name)
    {
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1),
            DateTimeOffset.UtcNow.AddYears(1));
        var certificateFile = Path.Combine(_directory.FullName, $"{name}.crt.pem");
        var keyFile = Path.Combine(_directory.FullName, $"{name}.key.pem");
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, rsa.ExportPkcs8PrivateKeyPem());
        return (certificateFile, keyFile);
    }
}
