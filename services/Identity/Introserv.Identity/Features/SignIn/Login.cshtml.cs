using Introserv.AllowList;
using Introserv.Identity.Features.Passkeys;
using Introserv.Identity.Features.TwoFactor;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Introserv.Identity.Features.SignIn;

// The sign-in page: login and password, then the second factor when the account has one (SecondFactorModel); or a
// passkey instead of both (LoginModel.OnPostPasskeyAsync). Known and unknown logins take the same path and time.
public sealed partial class LoginModel(
    UserManager<Account> users,
    IPasswordHasher<Account> hasher,
    UnknownLoginPassword unknownLogin,
    LoginThrottle throttle,
    SecondFactorVerifier secondFactor,
    NewAddressNotice newAddress,
    Passkeys.Passkeys passkeys,
    TimeProvider clock) : AccountPageModel
{
    public override string Title => "Sign in";

    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? Login { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    // The account's allow-list refused the caller's address: the page says so and offers no form.
    public bool Refused { get; private set; }

    public void OnGet()
    {
        ReturnUrl = LoginPages.SafeReturnUrl(ReturnUrl);
        Login = null;
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        ReturnUrl = LoginPages.SafeReturnUrl(ReturnUrl);
        var login = Login?.Trim() ?? "";
        var password = Password ?? "";
        Login = login;
        Password = null;
        if (login.Length == 0 || password.Length == 0)
        {
            return Show("Enter your login and password.", StatusCodes.Status400BadRequest);
        }

        // Known and unknown logins take the same path: one lookup, the same throttle (keyed on the login), one
        // password check of the same cost, the same answer.
        var account = login.Length <= 64 ? await users.FindByNameAsync(login.ToLowerInvariant()) : null;
        var attempt = await throttle.BeginAsync(
            login, account?.Id, HttpContext, LoginOutcome.InvalidCredentials, cancellationToken);
        if (attempt.RetryAfter is { } wait)
        {
            return Throttled(wait);
        }

        bool valid;
        if (account is null || password.Length > 128)
        {
            unknownLogin.Verify(hasher, password);
            valid = false;
        }
        else
        {
            valid = await users.CheckPasswordAsync(account, password);
        }

        if (!valid || account is null)
        {
            return Show("The login or password is incorrect.", StatusCodes.Status401Unauthorized);
        }

        if (RefusedAddress(account) is { } refused)
        {
            await throttle.FinishAsync(attempt, LoginOutcome.IpNotAllowed, cancellationToken);
            return refused;
        }

        if (secondFactor.IsRequiredFor(account))
        {
            await throttle.FinishAsync(attempt, LoginOutcome.SecondFactorRequired, cancellationToken);
            await LoginPages.BeginSecondFactorAsync(HttpContext, account, secondFactor.MethodsFor(account), ReturnUrl);
            return Redirect(LoginPages.SecondFactorPath);
        }

        await throttle.FinishAsync(attempt, LoginOutcome.Succeeded, cancellationToken);
        await newAddress.CheckAsync(account.Id, attempt.AttemptId, HttpContext, cancellationToken);
        await LoginPages.SignInAsync(HttpContext, account, ["pwd"], clock);
        return Redirect(ReturnUrl);
    }

    // A passkey instead of the login and password (and the second factor: the authenticator verified its user). The
    // throttle is keyed on the passkey the answer names and on the address, as a login is; the allow-list applies.
    public async Task<IActionResult> OnPostPasskeyAsync(
        [FromForm] Guid? ceremony, [FromForm] string? credential, CancellationToken cancellationToken)
    {
        ReturnUrl = LoginPages.SafeReturnUrl(ReturnUrl);
        if (ceremony is null || string.IsNullOrEmpty(credential)
            || credential.Length > Passkeys.Passkeys.CredentialMaxLength
            || Passkeys.Passkeys.CredentialIdOf(credential) is not { } credentialId)
        {
            return Show("The passkey answer is missing or malformed; try again.", StatusCodes.Status400BadRequest);
        }

        var attempt = await throttle.BeginAsync(
            PasskeyLoginKey(credentialId), null, HttpContext, LoginOutcome.InvalidCredentials, cancellationToken);
        if (attempt.RetryAfter is { } wait)
        {
            return Throttled(wait);
        }

        var check = await passkeys.AssertAsync(
            ceremony.Value, PasskeyPurpose.SignIn, null, credential, cancellationToken);
        if (check.Account is not { } account)
        {
            return Show(check.CeremonyInvalid
                    ? "The passkey request has expired; try again."
                    : "The passkey was not accepted. Try again, or sign in with your password.",
                StatusCodes.Status401Unauthorized);
        }

        if (RefusedAddress(account) is { } refused)
        {
            await throttle.FinishAsync(attempt, LoginOutcome.IpNotAllowed, cancellationToken, account.Id);
            return refused;
        }

        await throttle.FinishAsync(attempt, LoginOutcome.Succeeded, cancellationToken, account.Id);
        await newAddress.CheckAsync(account.Id, attempt.AttemptId, HttpContext, cancellationToken);
        // RFC 8176: a proof of possession of a key, verified on the device (user verification): multi-factor.
        await LoginPages.SignInAsync(HttpContext, account, ["pop", "hwk", "mfa"], clock);
        return Redirect(ReturnUrl);
    }

    // The throttle key of a passkey sign-in: the credential the answer names (bounded like a login).
    private static string PasskeyLoginKey(string credentialId) =>
        ("passkey:" + credentialId)[..Math.Min(LoginAttempt.LoginMaxLength, 8 + credentialId.Length)];

    // The allow-list decides before any cookie is set: the page then says why and offers no form (403).
    private PageResult? RefusedAddress(Account account)
    {
        if (IpAllowListMatcher.FromEntries(account.IpAllowList).Allows(HttpContext.ClientAddress()))
        {
            return null;
        }

        Refused = true;
        return Show(
            $"This account's IP allow-list does not include your address {HttpContext.ClientAddressText()}. " +
            "Sign in from an allowed address, or contact support.",
            StatusCodes.Status403Forbidden);
    }

    private PageResult Throttled(TimeSpan wait)
    {
        LoginPages.SetRetryAfter(Response, wait);
        return Show($"Too many sign-in attempts. Try again in {LoginPages.Describe(wait)}.",
            StatusCodes.Status429TooManyRequests);
    }
}
