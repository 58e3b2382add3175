using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.Tokens;

namespace Introserv.ServiceDefaults;

/// <summary>Settings for validating access tokens issued by the Identity service (section <c>Auth</c>).</summary>
public sealed class TokenValidationOptions
{
    /// <summary>Configuration section name.</summary>
    public const string SectionName = "Auth";

    /// <summary>The issuer the Identity service writes into tokens (its public URL).</summary>
    public string? Issuer { get; set; }

    /// <summary>
    /// Where to read the OpenID Connect discovery document, when it differs from the issuer
    /// (inside the cluster the services reach Identity directly, not through the gateway).
    /// </summary>
    public string? MetadataAddress { get; set; }

    /// <summary>The audience tokens must carry for this service.</summary>
    public string Audience { get; set; } = "introserv-api";

    /// <summary>
    /// Whether the discovery document must be fetched over https. Only local runs and in-cluster
    /// traffic to Identity's internal address turn it off.
    /// </summary>
    public bool RequireHttpsMetadata { get; set; } = true;
}

/// <summary>The shared JWT bearer setup: tokens are validated locally from the issuer's JWKS.</summary>
public static class AuthenticationExtensions
{
    /// <summary>How long reading Identity's discovery document or key set may take.</summary>
    public static readonly TimeSpan BackchannelTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Role of staff (support) accounts.</summary>
    public const string StaffRole = "staff";

    /// <summary>Role of customer accounts.</summary>
    public const string CustomerRole = "customer";

    /// <summary>Authorization policy that demands the staff role.</summary>
    public const string StaffPolicy = "staff";

    /// <summary>Role of internal services (client-credentials tokens), never of a person.</summary>
    public const string ServiceRole = "service";

    /// <summary>Authorization policy that demands the service role.</summary>
    public const string ServicePolicy = "service";

    /// <summary>
    /// How a service reads Identity's discovery document: over its own client with <see cref="BackchannelTimeout"/>,
    /// one read at a time until the first succeeds (<see cref="SharedDiscoveryReads"/>).
    /// </summary>
    public static SharedDiscoveryReads DiscoveryReads(string metadataAddress, bool requireHttps)
    {
#pragma warning disable CA2000 // The client lives as long as the service's bearer scheme, which holds it.
        var backchannel = new HttpClient
        {
            Timeout = BackchannelTimeout,
            MaxResponseContentBufferSize = 10 * 1024 * 1024,
        };
#pragma warning restore CA2000
        return new SharedDiscoveryReads(metadataAddress, backchannel, requireHttps, TimeProvider.System);
    }

    /// <summary>
    /// Adds JWT bearer authentication against the Identity service and the default policies.
    /// Services never trust an identity header a client sends; only a validated token counts.
    /// </summary>
    public static TBuilder AddIntroservAuthentication<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        var settings = builder.Configuration.GetSection(TokenValidationOptions.SectionName)
            .Get<TokenValidationOptions>() ?? new TokenValidationOptions();

        // A plain-http issuer with https metadata required would fail every request at run time;
        // refuse the configuration at start-up instead.
        foreach (var address in new[] { settings.Issuer, settings.MetadataAddress })
        {
            if (settings.RequireHttpsMetadata && address is not null
                && !address.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException(
                    $"Auth: '{address}' is not https while Auth:RequireHttpsMetadata is true. " +
                    "Use https, or set Auth:RequireHttpsMetadata=false for local runs and in-cluster metadata.");
            }
        }

        // Validated tokens are remembered until they expire (see ValidatedTokenCache).
        var tokenCache = new ValidatedTokenCache(TimeProvider.System) { MapInboundClaims = false };
        builder.Services.AddSingleton(tokenCache);
        builder.Services
            .AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(options =>
            {
                options.MapInboundClaims = false;
                options.TokenHandlers.Clear();
                options.TokenHandlers.Add(tokenCache);
                options.Authority = settings.Issuer;
                if (!string.IsNullOrWhiteSpace(settings.MetadataAddress))
                {
                    options.MetadataAddress = settings.MetadataAddress;
                }

                options.RequireHttpsMetadata = settings.RequireHttpsMetadata;
                // Reading Identity's discovery document or keys gives up after this long (the default is a minute):
                // while Identity accepts connections but does not answer, a request with a token waits at most this
                // for its 503 (IdentityUnavailableException), also when many wait at once (SharedDiscoveryReads).
                options.BackchannelTimeout = BackchannelTimeout;
                var metadata = !string.IsNullOrWhiteSpace(settings.MetadataAddress)
                    ? settings.MetadataAddress
                    : settings.Issuer is null
                        ? null
                        : $"{settings.Issuer.TrimEnd('/')}/.well-known/openid-configuration";
                if (metadata is not null)
                {
                    options.ConfigurationManager = DiscoveryReads(metadata, settings.RequireHttpsMetadata);
                }

                options.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidIssuer = settings.Issuer,
                    ValidateIssuer = true,
                    ValidAudience = settings.Audience,
                    ValidateAudience = true,
                    ValidateLifetime = true,
                    ClockSkew = TimeSpan.FromSeconds(30),
                    NameClaimType = "sub",
                    RoleClaimType = "role",
                };
                options.Events = new JwtBearerEvents
                {
                    OnAuthenticationFailed = IdentityUnavailableException.ThrowIfKeysUnreadableAsync,
                };
            });
        builder.Services.AddExceptionHandler<IdentityUnavailableException.Handler>();

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(StaffPolicy, policy => policy.RequireAuthenticatedUser().RequireRole(StaffRole))
            .AddPolicy(ServicePolicy, policy => policy.RequireAuthenticatedUser().RequireRole(ServiceRole));
        return builder;
    }
}
