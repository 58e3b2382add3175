using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Introserv.Identity.Tests;

// A self-signed certificate for the Data Protection key ring, written as PEM files (certificate, key) to a private
// temporary directory, as a deployment mounts them; removed on dispose.
public sealed class DataProtectionCertificate : IDisposable
{
    private readonly string _directory;

    private DataProtectionCertificate(string directory)
    {
        _directory = directory;
    }

    public string CertificateFile => Path.Combine(_directory, "certificate.pem");

    public string KeyFile => Path.Combine(_directory, "key.pem");

    public static DataProtectionCertificate Create()
    {
        var directory = Directory.CreateTempSubdirectory("introserv-dp-").FullName;
        var files = new DataProtectionCertificate(directory);
        using var rsa = RSA.Create(2048);
        var request = new CertificateRequest("CN=introserv-identity-data-protection-test", rsa,
            HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));
        File.WriteAllText(files.CertificateFile, certificate.ExportCertificatePem());
        File.WriteAllText(files.KeyFile, rsa.ExportPkcs8PrivateKeyPem());
        return files;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temporary directory; the OS cleans up what a crashed run left.
        }
    }
}
