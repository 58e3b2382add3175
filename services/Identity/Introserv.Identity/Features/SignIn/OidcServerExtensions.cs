using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenIddict.Validation.AspNetCore;
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
            })
            .AddValidation(options =>
            {
                // Identity's own API validates with the server's keys and also checks that the token entry and the
                // session (authorization) are still valid, through a short cache (TokenEntryCache) rather than two
                // queries on every request.
                options.UseLocalServer();
                options.AddAudiences(ApiResource);
                options.AddEventHandler(TokenEntryCache.Handler.Descriptor);
                // A front end sends the same access token with every request for its lifetime: its signature is
                // checked once and the claims remembered until it expires (as every other service does); the entry
                // check above still runs on every request.
                options.Configure(validation => validation.JsonWebTokenHandler =
                    new ValidatedTokenCache(TimeProvider.System) { MapInboundClaims = false });
                options.UseAspNetCore();
            });

        builder.Services
            .AddAuthentication(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
            .AddCookie(LoginScheme, options => SignInCookie(options, LoginScheme, TimeSpan.FromHours(8)))
            .AddCookie(SecondFactorScheme, options =>
                SignInCookie(options, SecondFactorScheme, TimeSpan.FromMinutes(5)));
        // Requests under /api are not offered to the OpenID Connect server's request handler (ApiSchemeProvider).
        builder.Services.AddHttpContextAccessor();
        builder.Services.Replace(ServiceDescriptor.Singleton<IAuthenticationSchemeProvider, ApiSchemeProvider>());
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AuthenticationExtensions.StaffPolicy, policy => policy
                .AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
                .RequireAuthenticatedUser()
                .RequireRole(AuthenticationExtensions.StaffRole))
            .AddPolicy(AuthenticationExtensions.ServicePolicy, policy => policy
                .AddAuthenticationSchemes(OpenIddictValidationAspNetCoreDefaults.AuthenticationScheme)
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
