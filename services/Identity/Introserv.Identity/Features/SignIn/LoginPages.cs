using System.Globalization;
using Introserv.Identity.Features.TwoFactor;
using Microsoft.AspNetCore.Authentication;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Introserv.Identity.Features.SignIn;

// What the sign-in pages (Razor pages under Features) share: their paths, the claims of the pending second-factor
// cookie, and the login cookie that /connect/authorize reads. Front ends never see a password.
public static class LoginPages
{
    public const string LoginPath = "/account/login";
    public const string SecondFactorPath = "/account/login/second-factor";
    public const string PhoneCodePath = "/account/login/second-factor/phone";
    public const string SignedInPath = "/account/signed-in";
    public const string SignedOutPath = "/account/signed-out";

    // Claim holding the account's security stamp; a changed stamp ends every login cookie.
    public const string SecurityStampClaim = "stamp";

    public const string ReturnUrlItem = "returnUrl";

    // The sign-in phone challenge in progress, kept in the second-factor cookie (encrypted, five minutes).
    public const string PhoneChallengeClaim = "phone_challenge";
    public const string PhoneDeliveryClaim = "phone_delivery";
    public const string PhoneMaskedClaim = "phone_masked";

    // The second-factor methods of the account, so the page offers only what the account has.
    public const string MethodsClaim = "second_factor_methods";

    // The pending sign-in after a right password, until the second factor is proven.
    public static async Task BeginSecondFactorAsync(
        HttpContext context, Account account, IEnumerable<string> methods, string returnUrl)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(account);
        var pending = new ClaimsIdentity(OidcServerExtensions.SecondFactorScheme);
        pending.AddClaim(new Claim(Claims.Subject, account.Id.ToString()));
        pending.AddClaim(new Claim(SecurityStampClaim, account.SecurityStamp ?? ""));
        pending.AddClaim(new Claim(MethodsClaim, string.Join(' ', methods)));
        var properties = new AuthenticationProperties { Items = { [ReturnUrlItem] = returnUrl } };
        await context.SignInAsync(OidcServerExtensions.SecondFactorScheme, new ClaimsPrincipal(pending), properties);
    }

    // The login cookie: who, when, and how (RFC 8176 method references).
    public static async Task SignInAsync(
        HttpContext context, Account account, IEnumerable<string> methods, TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(account);
        ArgumentNullException.ThrowIfNull(clock);
        var identity = new ClaimsIdentity(OidcServerExtensions.LoginScheme, Claims.Name, Claims.Role);
        identity.AddClaim(new Claim(Claims.Subject, account.Id.ToString()));
        identity.AddClaim(new Claim(Claims.Name, account.UserName!));
        identity.AddClaim(new Claim(SecurityStampClaim, account.SecurityStamp ?? ""));
        identity.AddClaim(new Claim(
            Claims.AuthenticationTime,
            clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            ClaimValueTypes.Integer64));
        foreach (var method in methods)
        {
            identity.AddClaim(new Claim(Claims.AuthenticationMethodReference, method));
        }

        await context.SignInAsync(
            OidcServerExtensions.LoginScheme,
            new ClaimsPrincipal(identity),
            new AuthenticationProperties { IssuedUtc = clock.GetUtcNow() });
    }

    // Only local paths are followed after sign-in, never another site.
    public static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl[0] == '/' && !returnUrl.StartsWith("//", StringComparison.Ordinal)
            && !returnUrl.StartsWith("/\\", StringComparison.Ordinal) && !returnUrl.Any(char.IsControl)
            ? returnUrl
            : SignedInPath;

    public static string Describe(TimeSpan wait) =>
        wait.TotalSeconds < 60
            ? $"{Math.Ceiling(wait.TotalSeconds)} seconds"
            : $"{Math.Ceiling(wait.TotalMinutes)} minutes";

    public static void SetRetryAfter(HttpResponse response, TimeSpan wait)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
    }

    // Whether the pending sign-in's account has the authenticator app; true when the cookie does not say.
    public static bool HasMethod(ClaimsPrincipal? pending, string method) =>
        pending?.FindFirstValue(MethodsClaim) is not { } methods
            ? method == TotpMethod.MethodName
            : methods.Split(' ').Contains(method, StringComparer.Ordinal);
}
