using System.Security.Claims;
using System.Text;
using Introserv.BuildingBlocks.Hosting;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Introserv.Testing;

// Access tokens as Identity issues them (issuer, audience, subject, roles), signed with a key of this test run
// that services under test are told to trust instead of Identity's JWKS.
public static class TestTokens
{
    public const string Issuer = "http://identity.test/";

    private static readonly SymmetricSecurityKey SigningKey =
        new(Encoding.UTF8.GetBytes($"test-signing-key-{Guid.NewGuid():N}-0123456789"));

    public static string For(Guid accountId, params string[] roles)
    {
        var claims = new List<Claim> { new("sub", accountId.ToString("D")) };
        claims.AddRange(roles.Select(r => new Claim("role", r)));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = "introserv-api",
            Subject = new ClaimsIdentity(claims),
            Expires = DateTime.UtcNow.AddMinutes(30),
            SigningCredentials = new SigningCredentials(SigningKey, SecurityAlgorithms.HmacSha256),
        });
    }

    public static string Service() => For(Guid.NewGuid(), AuthenticationExtensions.ServiceRole);

    // Makes the service's JWT bearer handler trust the test key (no discovery document is fetched).
    public static IServiceCollection TrustTestTokens(this IServiceCollection services) =>
        services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options =>
        {
            var configuration = new OpenIdConnectConfiguration { Issuer = Issuer };
            configuration.SigningKeys.Add(SigningKey);
            options.Configuration = configuration;
            options.ConfigurationManager = new StaticConfigurationManager<OpenIdConnectConfiguration>(configuration);
            options.TokenValidationParameters.IssuerSigningKey = SigningKey;
        });

    // Service-to-service calls of the service under test carry a test service token.
    public static IServiceCollection UseTestServiceTokens(this IServiceCollection services) =>
        services.AddSingleton<IServiceTokenSource, ServiceTokenSource>();

    private sealed class ServiceTokenSource : IServiceTokenSource
    {
        public Task<string> GetAsync(CancellationToken cancellationToken) => Task.FromResult(Service());
    }
}
