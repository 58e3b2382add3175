using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.IdentityModel.Tokens;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Introserv.Identity.Features.SignIn;

// The OpenID Connect / OAuth 2 server (OpenIddict) and the browser sign-in cookies.
public static class OidcServerExtensions
{
    // The resource (audience) of access tokens for the Introserv API.
    public const string ApiResource = "introserv-api";

    // The cookie of a completed browser sign-in (password and, when enabled, second factor).
    public const string LoginScheme = "introserv.login";

    // The short-lived cookie between the password step and the second-factor step.
    public const string SecondFactorScheme = "introserv.2fa";

    public static IHostApplicationBuilder AddOidcServer(this IHostApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(IdentityServerOptions.SectionName).Get<IdentityServerOptions>()
            ?? new IdentityServerOptions();
        builder.Services
            .AddOptions<IdentityServerOptions>()
            .BindConfiguration(IdentityServerOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        if (settings.AccessTokenLifetime <= TimeSpan.Zero
            || settings.AccessTokenLifetime > IdentityServerOptions.MaxAccessTokenLifetime)
        {
            throw new InvalidOperationException(
                $"Identity:AccessTokenLifetime must be positive and at most " +
                $"{IdentityServerOptions.MaxAccessTokenLifetime}.");
        }

        var issuer = builder.Configuration[$"{TokenValidationOptions.SectionName}:Issuer"]
            ?? throw new InvalidOperationException(
                "Auth:Issuer (the public URL of the sign-in server) is not configured.");
        var requireHttps = builder.Configuration.GetValue(
            $"{TokenValidationOptions.SectionName}:RequireHttpsMetadata", true);
        var signingKey = SigningKeys.LoadSigningKey(settings.Keys);
        var previousSigningKey = SigningKeys.LoadPreviousSigningKey(settings.Keys);
        if (previousSigningKey?.KeyId == signingKey.KeyId)
        {
            throw new InvalidOperationException(
                "Identity:Keys:PreviousSigningKey is the current signing key; after a rotation it holds the old one.");
        }
        var encryptionKey = SigningKeys.LoadEncryptionKey(settings.Keys);

        builder.Services.AddOpenIddict()
            .AddCore(options => options.UseEntityFrameworkCore()
                .UseDbContext<IdentityServiceDbContext>()
                .ReplaceDefaultEntities<Guid>())
            .AddServer(options =>
            {
                options.SetIssuer(new Uri(issuer, UriKind.Absolute));
                options.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetRevocationEndpointUris("connect/revoke")
                    .SetEndSessionEndpointUris("connect/logout")
                    .SetUserInfoEndpointUris("connect/userinfo");

                // Browser front ends: code flow with PKCE and refresh tokens. No password grant, no implicit flow.
                options.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                options.AllowRefreshTokenFlow();
                // Internal services only (confidential clients from configuration), never browsers.
                options.AllowClientCredentialsFlow();
                options.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.Roles, Scopes.OfflineAccess);

                options.SetAccessTokenLifetime(settings.AccessTokenLifetime);
                options.SetIdentityTokenLifetime(settings.AccessTokenLifetime);
                options.SetRefreshTokenLifetime(settings.RefreshTokenLifetime);
                // Strict rotation: a refresh token works once; presenting it again is treated as theft and
                // OpenIddict revokes the whole session.
                options.SetRefreshTokenReuseLeeway(null);
                // S256 only; "plain" would expose the verifier in the authorize request.
                options.Configure(server => server.CodeChallengeMethods.Remove(CodeChallengeMethods.Plain));
                options.SetAuthorizationCodeLifetime(TimeSpan.FromMinutes(2));

                // The first key signs; every registered key is published in the JWKS and accepted. The previous key
                // keeps tokens signed before a rotation valid, so a rotation signs nobody out.
                options.AddSigningKey(signingKey);
                if (previousSigningKey is not null)
                {
                    options.AddSigningKey(previousSigningKey);
                }
                options.AddEncryptionKey(encryptionKey);

                // Access tokens are signed JWTs every service validates from the JWKS; codes and refresh
                // tokens stay encrypted.
                options.DisableAccessTokenEncryption();

                var aspNetCore = options.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough();
                if (!requireHttps)
                {
                    // Local runs and tests behind plain http; production terminates TLS in front of the gateway
                    // and forwards the scheme.
                    aspNetCore.DisableTransportSecurityRequirement();
                }
            });

        // Identity's own API validates access tokens as every other service does (a JWT bearer scheme, each token's
        // signature checked once, ValidatedTokenCache), with the server's keys and no discovery, and also checks that
        // the token entry and the session (authorization) are still valid (TokenEntryCache). OpenIddict's validation
        // stack would do the same checks through an event pipeline that cost a fifth of Identity's CPU on a read.
        IReadOnlyList<SecurityKey> keys = previousSigningKey is null ? [signingKey] : [signingKey, previousSigningKey];
        builder.Services
            .AddAuthentication(JwtBearerDefaults.AuthenticationScheme)
            .AddJwtBearer(options => ApiTokens(options, new Uri(issuer, UriKind.Absolute), keys))
            .AddCookie(LoginScheme, options => SignInCookie(options, LoginScheme, TimeSpan.FromHours(8)))
            .AddCookie(SecondFactorScheme, options =>
                SignInCookie(options, SecondFactorScheme, TimeSpan.FromMinutes(5)));
        // Requests under /api are not offered to the OpenID Connect server's request handler (ApiSchemeProvider).
        builder.Services.AddHttpContextAccessor();
        builder.Services.Replace(ServiceDescriptor.Singleton<IAuthenticationSchemeProvider, ApiSchemeProvider>());
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AuthenticationExtensions.StaffPolicy, policy => policy
                .AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireRole(AuthenticationExtensions.StaffRole))
            .AddPolicy(AuthenticationExtensions.ServicePolicy, policy => policy
                .AddAuthenticationSchemes(JwtBearerDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireRole(AuthenticationExtensions.ServiceRole));

        builder.Services.AddSingleton<TokenEntryCache>();
        builder.Services.AddSingleton<Security.AccountAllowLists>();
        builder.Services.AddSingleton<EntryChangeListener>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EntryChangeListener>());
        builder.Services.AddSingleton<IdentityMaintenance>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<IdentityMaintenance>());
        builder.Services.AddSingleton<ClientSynchronizer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ClientSynchronizer>());
        builder.Services.AddHealthChecks().AddCheck<ClientSynchronizerHealthCheck>("identity-clients");
        return builder;
    }

    // The access tokens the API accepts: signed by this server (the current or the previous key), typed as access
    // tokens (at+jwt, so no identity token is taken for one), for the API's audience, unexpired (no clock skew, as
    // OpenIddict's own validation), and with a token entry and a session that are still valid.
    private static void ApiTokens(JwtBearerOptions options, Uri issuer, IReadOnlyList<SecurityKey> keys)
    {
        options.MapInboundClaims = false;
        options.TokenHandlers.Clear();
        options.TokenHandlers.Add(new ValidatedTokenCache(TimeProvider.System) { MapInboundClaims = false });
        options.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = issuer.AbsoluteUri,
            ValidAudience = ApiResource,
            ValidTypes = [JsonWebTokenTypes.AccessToken],
            IssuerSigningKeys = keys,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            ValidateIssuerSigningKey = true,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.Zero,
            NameClaimType = Claims.Subject,
            RoleClaimType = Claims.Role,
        };
        options.Events = new JwtBearerEvents { OnTokenValidated = TokenEntryCache.RefuseUnlessValidAsync };
    }

    // An HTTP-only, SameSite=Lax sign-in cookie with a fixed lifetime.
    private static void SignInCookie(CookieAuthenticationOptions options, string name, TimeSpan lifetime)
    {
        options.Cookie.Name = name;
        options.Cookie.HttpOnly = true;
        options.Cookie.SameSite = SameSiteMode.Lax;
        options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        options.ExpireTimeSpan = lifetime;
        options.SlidingExpiration = false;
        options.Events = RelativeRedirects(LoginPages.LoginPath);
    }

    // Cookie redirects as relative URLs: Identity sits behind the gateway, so its own host name is not the
    // one the browser knows.
    private static CookieAuthenticationEvents RelativeRedirects(string loginPath) => new()
    {
        OnRedirectToLogin = context =>
        {
            var returnUrl = context.Properties.RedirectUri ?? "/";
            context.Response.Redirect($"{loginPath}?returnUrl={Uri.EscapeDataString(returnUrl)}");
            return Task.CompletedTask;
        },
        OnRedirectToAccessDenied = context =>
        {
            context.Response.StatusCode = StatusCodes.Status403Forbidden;
            return Task.CompletedTask;
        },
    };
}
