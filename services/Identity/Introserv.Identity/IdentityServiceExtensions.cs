using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Features.Passkeys;
using Introserv.Identity.Features.Recovery;
using Introserv.Identity.Features.Registration;
using Introserv.Identity.Features.Security;
using Introserv.Identity.Features.SignIn;
using Introserv.Identity.Features.Support;
using Introserv.Identity.Features.TwoFactor;

namespace Introserv.Identity;

public static class IdentityServiceExtensions
{
    public const string Title = "Introserv Identity API";

    // OWASP's current guidance for PBKDF2-HMAC-SHA512 (ASP.NET Core Identity's V3 format).
    public const int PasswordHashIterations = 210_000;

    public static IHostApplicationBuilder AddIdentityServices(this IHostApplicationBuilder builder)
    {
        // Identity validates its own tokens with its server's keys and no discovery (and the session must still be
        // valid: OidcServerExtensions.ApiTokens), not the shared setup that reads Identity's discovery document.
        builder.AddServiceHost(
            Title, "Accounts, sign-in (OpenID Connect) and account security.", useSharedTokenValidation: false);
        // Request types are validated from their annotations before a handler runs (400 validation_failed).
        builder.Services.AddValidation();
        builder.AddServiceDatabase<IdentityServiceDbContext>(ResourceNames.IdentityDb);
        builder.AddServiceMessaging<IdentityServiceDbContext>(bus =>
        {
            bus.AddConsumer<Features.Registration.EmailChangedConsumer>();
            bus.AddConsumer<Features.Registration.EmailConfirmedConsumer>();
        });

        builder.AddOidcServer();
        builder.AddKeyRing();
        builder.Services.AddAntiforgery(options =>
        {
            options.Cookie.Name = "introserv.antiforgery";
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        });
        builder.Services.AddScoped<LoginThrottle>();
        builder.Services.AddScoped<LoginHistory>();
        builder.Services.AddScoped<NewAddressNotice>();
        builder.Services.AddSingleton<UnknownLoginPassword>();
        builder.Services.AddScoped<StepUp>();
        builder.Services.AddHttpContextAccessor();
        CallConfirmation.Register(builder.Services);
        PhoneSignIn.Register(builder.Services);
        // Step-up tokens are spent by Verification (gRPC, with Identity's own service token). A spent token cannot
        // be spent again, so the call is never retried: a deadline, no retry handler.
        builder.AddSingleShotServiceGrpcClient<Verification.Grpc.PhoneVerification.PhoneVerificationClient>(
            "VerificationGrpc", ResourceNames.Verification, OperationConfirmationExtensions.CallTimeout);
        // The confirmation page has Profile confirm an address (gRPC); a confirmation is not retried either.
        EmailConfirmationClient.Register(builder.Services);
        builder.AddSingleShotServiceGrpcClient<Profile.Grpc.EmailConfirmations.EmailConfirmationsClient>(
            "ProfileGrpc", ResourceNames.Profile, OperationConfirmationExtensions.CallTimeout);
        builder.Services.AddScoped<TotpMethod>();
        builder.Services.AddScoped<RecoveryCodeMethod>();
        builder.Services.AddScoped<ISecondFactorMethod>(sp => sp.GetRequiredService<TotpMethod>());
        builder.Services.AddScoped<ISecondFactorMethod>(sp => sp.GetRequiredService<RecoveryCodeMethod>());
        builder.Services.AddSingleton<ISecondFactorMethod, PhoneMethod>();
        builder.Services.AddSingleton<ISecondFactorMethod, PasskeyMethod>();
        builder.Services.AddPasskeys();
        // The account pages (sign-in, second factor, sign-up, password reset) are Razor pages in their features.
        builder.Services.AddRazorPages(options => options.RootDirectory = "/Features");
        builder.Services.AddScoped<SecondFactorVerifier>();
        builder.Services.AddSingleton(_ => CommonPasswords.Load());
        builder.Services.Configure<PasswordHasherOptions>(options =>
        {
            options.CompatibilityMode = PasswordHasherCompatibilityMode.IdentityV3;
            options.IterationCount = PasswordHashIterations;
        });
        builder.Services
            .AddIdentityCore<Account>(options =>
            {
                // Length and the common-password list are the rules (RegistrationRules); no composition rules.
                options.Password.RequiredLength = RegistrationRules.PasswordMinLength;
                options.Password.RequireDigit = false;
                options.Password.RequireLowercase = false;
                options.Password.RequireUppercase = false;
                options.Password.RequireNonAlphanumeric = false;
                options.Password.RequiredUniqueChars = 1;
                options.User.AllowedUserNameCharacters = RegistrationRules.LoginAlphabet;
                options.User.RequireUniqueEmail = true;
                // Schema 3 adds the passkeys table (AspNetUserPasskeys).
                options.Stores.SchemaVersion = IdentitySchemaVersions.Version3;
            })
            .AddRoles<IdentityRole<Guid>>()
            .AddEntityFrameworkStores<IdentityServiceDbContext>();
        return builder;
    }

    public static WebApplication MapIdentityEndpoints(this WebApplication app)
    {
        app.MapRegisterAccount();
        app.MapPasswordResetEndpoints();
        app.MapOidcEndpoints();
        app.MapStaticAssets();
        app.MapRazorPages();
        app.MapPasskeyPageEndpoints();
        app.MapSecurityEndpoints();
        app.MapSupportEndpoints();
        app.MapGrpcService<AccountSupportService>();
        app.MapGrpcService<AccountAccessService>();
        return app;
    }
}
