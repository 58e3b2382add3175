using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Data;
using Introserv.Identity.Features.Registration;
using Introserv.ServiceDefaults;
using Microsoft.AspNetCore.Identity;

namespace Introserv.Identity;

public static class IdentityServiceExtensions
{
    public const string Title = "Introserv Identity API";

    /// <summary>OWASP's current guidance for PBKDF2-HMAC-SHA512 (ASP.NET Core Identity's V3 format).</summary>
    public const int PasswordHashIterations = 210_000;

    public static IHostApplicationBuilder AddIdentityServices(this IHostApplicationBuilder builder)
    {
        builder.AddServiceHost(Title, "Accounts, sign-in (OpenID Connect) and account security.");
        builder.AddServiceDatabase<IdentityServiceDbContext>(ResourceNames.IdentityDb);
        builder.AddServiceMessaging<IdentityServiceDbContext>();

        builder.Services.AddSingleton(TimeProvider.System);
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
            })
            .AddRoles<IdentityRole<Guid>>()
            .AddEntityFrameworkStores<IdentityServiceDbContext>();
        return builder;
    }

    public static WebApplication MapIdentityEndpoints(this WebApplication app)
    {
        app.MapRegisterAccount();
        return app;
    }
}
