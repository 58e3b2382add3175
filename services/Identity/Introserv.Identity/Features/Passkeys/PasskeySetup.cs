using Introserv.Identity.Features.SignIn;
using Microsoft.Extensions.Options;

namespace Introserv.Identity.Features.Passkeys;

public static class PasskeySetup
{
    public static IServiceCollection AddPasskeys(this IServiceCollection services)
    {
        services.AddScoped<IPasskeyHandler<Account>, PasskeyHandler<Account>>();
        services.AddScoped<Passkeys>();
        services.AddOptions<IdentityPasskeyOptions>()
            .Configure<IOptions<IdentityServerOptions>, IConfiguration>((options, settings, configuration) =>
            {
                var issuer = new Uri(
                    configuration[$"{TokenValidationOptions.SectionName}:Issuer"] ?? "http://localhost/",
                    UriKind.Absolute);
                var passkeys = settings.Value.Passkeys;
                var origins = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { OriginOf(issuer) };
                origins.UnionWith(settings.Value.Clients.SelectMany(c => c.RedirectUris)
                    .Select(u => Uri.TryCreate(u, UriKind.Absolute, out var uri) ? OriginOf(uri) : null)
                    .OfType<string>());
                origins.UnionWith(passkeys.Origins.Select(o => o.TrimEnd('/')));
                options.ServerDomain = passkeys.ServerDomain ?? issuer.Host;
                // Passkeys replace a password and a second factor: the authenticator must verify its user (PIN,
                // biometrics), and sign-in without a login needs a discoverable credential.
                options.UserVerificationRequirement = "required";
                options.ResidentKeyRequirement = "required";
                options.AuthenticatorTimeout = TimeSpan.FromMinutes(2);
                options.ValidateOrigin = context =>
                    ValueTask.FromResult(!context.CrossOrigin && origins.Contains(context.Origin));
            });
        return services;
    }

    private static string OriginOf(Uri uri) => uri.GetLeftPart(UriPartial.Authority).TrimEnd('/');
}

// A passkey of the account as its second factor (on the second-factor page, or for a step-up). It proves itself by
// a WebAuthn answer, never by a typed code, so VerifyAsync accepts none.
public sealed class PasskeyMethod : TwoFactor.ISecondFactorMethod
{
    public const string MethodName = "passkey";

    public string Name => MethodName;

    public bool IsAvailableFor(Account account)
    {
        ArgumentNullException.ThrowIfNull(account);
        return account.PasskeyCount > 0;
    }

    public Task<bool> VerifyAsync(Account account, string code, CancellationToken cancellationToken) =>
        Task.FromResult(false);
}
