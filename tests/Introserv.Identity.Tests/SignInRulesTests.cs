using System.Security.Cryptography;
using Introserv.Identity.Features.SignIn;
using Microsoft.Extensions.Configuration;

namespace Introserv.Identity.Tests;

public sealed class SignInRulesTests
{
    [Fact]
    public void Throttling_starts_after_the_free_failures_grows_and_is_capped()
    {
        TimeSpan Delay(int failures) =>
            LoginThrottle.DelayAfter(failures, LoginThrottle.AccountFreeFailures, LoginThrottle.AccountBaseDelay,
                LoginThrottle.AccountMaxDelay);

        Assert.Equal(TimeSpan.Zero, Delay(LoginThrottle.AccountFreeFailures - 1));
        Assert.Equal(TimeSpan.FromSeconds(15), Delay(LoginThrottle.AccountFreeFailures));
        Assert.Equal(TimeSpan.FromSeconds(30), Delay(LoginThrottle.AccountFreeFailures + 1));
        Assert.Equal(TimeSpan.FromMinutes(5), Delay(LoginThrottle.AccountFreeFailures + 10));
        Assert.Equal(TimeSpan.FromMinutes(5), Delay(10_000));
    }

    [Theory]
    [InlineData("/connect/authorize?client_id=x", "/connect/authorize?client_id=x")]
    [InlineData("https://evil.example/", LoginPages.SignedInPath)]
    [InlineData("//evil.example/", LoginPages.SignedInPath)]
    [InlineData("/\\evil.example/", LoginPages.SignedInPath)]
    [InlineData("javascript:alert(1)", LoginPages.SignedInPath)]
    [InlineData("", LoginPages.SignedInPath)]
    [InlineData(null, LoginPages.SignedInPath)]
    public void Only_local_return_urls_are_followed(string? returnUrl, string expected)
    {
        Assert.Equal(expected, LoginPages.SafeReturnUrl(returnUrl));
    }

    [Fact]
    public void Keys_are_required_and_never_built_in()
    {
        var missing = Assert.Throws<InvalidOperationException>(() =>
            SigningKeys.LoadSigningKey(new SigningKeyOptions()));
        Assert.Contains("Identity:Keys:SigningKey", missing.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => SigningKeys.LoadEncryptionKey(new SigningKeyOptions()));
    }

    [Fact]
    public void Weak_or_malformed_keys_are_refused()
    {
        using var small = RSA.Create(1024);
        Assert.Throws<InvalidOperationException>(() =>
            SigningKeys.LoadSigningKey(new SigningKeyOptions { SigningKey = small.ExportPkcs8PrivateKeyPem() }));
        Assert.Throws<InvalidOperationException>(() =>
            SigningKeys.LoadSigningKey(new SigningKeyOptions { SigningKey = "not a pem" }));
        Assert.Throws<InvalidOperationException>(() => SigningKeys.LoadEncryptionKey(
            new SigningKeyOptions { EncryptionKey = Convert.ToBase64String(new byte[16]) }));
    }

    [Fact]
    public void Generated_keys_load_and_the_key_id_is_stable()
    {
        var (signing, encryption) = SigningKeys.Generate();
        var settings = new SigningKeyOptions { SigningKey = signing, EncryptionKey = encryption };

        var first = SigningKeys.LoadSigningKey(settings);
        var second = SigningKeys.LoadSigningKey(settings);

        Assert.Equal(first.KeyId, second.KeyId);
        Assert.Equal(2048, first.KeySize);
        Assert.Equal(32, SigningKeys.LoadEncryptionKey(settings).Key.Length);
    }

    [Fact]
    public void Keys_can_come_from_files()
    {
        var (signing, encryption) = SigningKeys.Generate();
        var directory = Directory.CreateTempSubdirectory("introserv-keys-");
        try
        {
            var signingFile = Path.Combine(directory.FullName, "signing.pem");
            var encryptionFile = Path.Combine(directory.FullName, "encryption.b64");
            File.WriteAllText(signingFile, signing);
            File.WriteAllText(encryptionFile, encryption + "\n");

            var settings = new SigningKeyOptions { SigningKeyFile = signingFile, EncryptionKeyFile = encryptionFile };

            Assert.NotNull(SigningKeys.LoadSigningKey(settings).KeyId);
            Assert.Equal(Convert.FromBase64String(encryption), SigningKeys.LoadEncryptionKey(settings).Key);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }
}

public sealed class OidcServerConfigurationTests
{
    [Theory]
    [InlineData("00:10:01")]
    [InlineData("01:00:00")]
    [InlineData("00:00:00")]
    public void Access_tokens_longer_than_ten_minutes_are_refused_at_start_up(string lifetime)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Identity:AccessTokenLifetime"] = lifetime,
            ["Auth:Issuer"] = "https://id.example/",
        });

        var error = Assert.Throws<InvalidOperationException>(() => builder.AddOidcServer());

        Assert.Contains("AccessTokenLifetime", error.Message, StringComparison.Ordinal);
    }
}
