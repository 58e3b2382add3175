using System.Net.Http.Headers;
using Introserv.Identity.Data;
using Introserv.Identity.Features.SignIn;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Introserv.Identity.Tests;

// Key management: a signing-key rotation keeps the tokens already issued valid (the previous key stays in the
// JWKS), and the Data Protection key ring is encrypted at rest with the configured certificate.
public sealed class KeyRotationTests(IdentityServiceFactory factory) : IClassFixture<IdentityServiceFactory>
{
    [Fact]
    public async Task After_a_rotation_the_JWKS_lists_both_keys_and_tokens_signed_before_it_still_work()
    {
        var (_, login, password) = await factory.RegisterAsync();
        var before = await factory.NewBrowser().SignInAsync(login, password);
        var (newKey, _) = SigningKeys.Generate();

        using var rotated = Rotated(newKey, previous: factory.SigningKeyPem);
        using var http = rotated.CreateClient();
        var jwks = await http.GetFromJsonAsync<JsonElement>("/.well-known/jwks");
        var kids = jwks.GetProperty("keys").EnumerateArray().Select(k => k.GetProperty("kid").GetString()).ToList();
        Assert.Equal(2, kids.Count);
        Assert.Contains(KeyIdOf(before.AccessToken), kids);

        // The token signed with the previous key is still accepted ...
        using var old = Api(rotated, before.AccessToken);
        Assert.Equal(HttpStatusCode.OK, (await old.GetAsync("/api/account/security")).StatusCode);

        // ... and new tokens are signed with the new key.
        var browser = new OidcBrowser(Browser(rotated), IdentityServiceFactory.ClientId,
            IdentityServiceFactory.RedirectUri);
        var after = await browser.SignInAsync(login, password);
        var newKid = KeyIdOf(after.AccessToken);
        Assert.NotEqual(KeyIdOf(before.AccessToken), newKid);
        Assert.Contains(newKid, kids);
    }

    [Fact]
    public async Task Without_the_previous_key_a_rotation_would_sign_everybody_out()
    {
        var (_, login, password) = await factory.RegisterAsync();
        var before = await factory.NewBrowser().SignInAsync(login, password);

        using var rotated = Rotated(SigningKeys.Generate().SigningKeyPem, previous: null);
        using var old = Api(rotated, before.AccessToken);

        Assert.Equal(HttpStatusCode.Unauthorized, (await old.GetAsync("/api/account/security")).StatusCode);
    }

    [Fact]
    public async Task The_key_ring_is_stored_encrypted_with_the_certificate()
    {
        var (_, login, password) = await factory.RegisterAsync();
        await factory.NewBrowser().SignInAsync(login, password); // cookies need a key

        await using var scope = factory.Services.CreateAsyncScope();
        var keys = await scope.ServiceProvider
            .GetRequiredService<IdentityServiceDbContext>().DataProtectionKeys
            .ToListAsync();

        Assert.NotEmpty(keys);
        Assert.All(keys, key =>
        {
            Assert.Contains("<encryptedSecret", key.Xml, StringComparison.Ordinal);
            Assert.DoesNotContain("<masterKey", key.Xml, StringComparison.Ordinal);
        });
    }

    [Fact]
    public void Outside_Development_the_service_does_not_start_without_the_key_ring_certificate()
    {
        using var withoutCertificate = factory.WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Identity:DataProtection:Certificate:File", "");
            builder.UseSetting("Identity:DataProtection:Certificate:KeyFile", "");
        });

        var failure = Assert.Throws<InvalidOperationException>(() => withoutCertificate.CreateClient());

        Assert.Contains("Identity:DataProtection:Certificate:File is not configured", failure.Message,
            StringComparison.Ordinal);
    }

    private WebApplicationFactory<Program> Rotated(string signingKey, string? previous) =>
        factory.WithWebHostBuilder(builder =>
        {
            builder.UseSetting("Identity:Keys:SigningKey", signingKey);
            builder.UseSetting("Identity:Keys:PreviousSigningKey", previous ?? "");
        });

    private static HttpClient Browser(WebApplicationFactory<Program> host)
    {
        var http = host.CreateClient(
            new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        http.DefaultRequestHeaders.Add(IdentityServiceFactory.ClientAddressHeader,
            IdentityServiceFactory.ClientAddress);
        return http;
    }

    private static HttpClient Api(WebApplicationFactory<Program> host, string accessToken)
    {
        var http = Browser(host);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return http;
    }

    private static string KeyIdOf(string jwt)
    {
        var header = jwt.Split('.')[0].Replace('-', '+').Replace('_', '/');
        var json = Convert.FromBase64String(header.PadRight(header.Length + (4 - header.Length % 4) % 4, '='));
        return JsonDocument.Parse(json).RootElement.GetProperty("kid").GetString()!;
    }
}
