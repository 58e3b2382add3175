using Introserv.Identity.Features.Passkeys;
using Introserv.Identity.Features.TwoFactor;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Introserv.Identity.Features.SignIn;

// The second step of a sign-in whose password was right: a code from the authenticator app or a recovery code, a
// code sent to the verified phone (SMS or call, the other gateway on request), or a passkey. The pending sign-in
// lives in the second-factor cookie (encrypted, five minutes) with the account's security stamp.
public sealed partial class SecondFactorModel(
    UserManager<Account> users,
    LoginThrottle throttle,
    SecondFactorVerifier secondFactor,
    PhoneSignIn phone,
    NewAddressNotice newAddress,
    Passkeys.Passkeys passkeys,
    TimeProvider clock) : AccountPageModel
{
    private AuthenticateResult? _pending;

    public override string Title => "Second factor";

    // The phone part of the page: a challenge under way (how it was delivered, to which masked number), or only the
    // offer (both null); null when the phone cannot be offered.
    public sealed record PhoneOption(string? Delivery, string? MaskedPhone);

    public PhoneOption? Phone { get; private set; }

    public bool App { get; private set; } = true;

    public bool Passkey { get; private set; }

    // ?use=app: back to the authenticator app while a phone code is under way.
    [BindProperty(SupportsGet = true)]
    public string? Use { get; set; }

    public string? PhoneInstruction => Phone?.Delivery switch
    {
        null => null,
        "flash_call" => $"We are calling {Phone.MaskedPhone}. Do not answer: type the last four digits of the " +
            "number that calls you.",
        "voice_call" => $"We are calling {Phone.MaskedPhone}. Answer and type the four digits you hear.",
        _ => $"We sent a text message with a 6-digit code to {Phone.MaskedPhone}.",
    };

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        var pending = await PendingAsync();
        if (!pending.Succeeded || !Guid.TryParse(pending.Principal.FindFirstValue(Claims.Subject), out var accountId))
        {
            return Redirect(LoginPages.LoginPath);
        }

        Describe(pending.Principal);
        Phone = await PhoneOptionAsync(accountId, cancellationToken, ignorePending: App && Use == "app");
        return Page();
    }

    // "Text me a code" / "Call me": starts a sign_in challenge on the verified phone, or with a challenge under way,
    // sends it again through the other gateway.
    public async Task<IActionResult> OnPostPhoneAsync(
        [FromForm] string? channel, [FromForm] string? otherGateway, CancellationToken cancellationToken)
    {
        if (await AccountAsync() is not { } account)
        {
            return Redirect(LoginPages.LoginPath);
        }

        var principal = _pending!.Principal!;
        var current = principal.FindFirstValue(LoginPages.PhoneChallengeClaim);
        (PhoneChallenge? Challenge, string? Error) sent;
        if (otherGateway == "true" && current is not null)
        {
            sent = await phone.ResendAsync(account.Id, current, cancellationToken);
        }
        else if (channel is PhoneSignIn.Sms or PhoneSignIn.Call)
        {
            sent = await phone.StartAsync(account.Id, channel, HttpContext.ClientAddressText(), cancellationToken);
        }
        else
        {
            sent = (null, "Choose a text message or a call.");
        }

        if (sent.Challenge is { } challenge)
        {
            var identity = new ClaimsIdentity(OidcServerExtensions.SecondFactorScheme);
            identity.AddClaims(principal.Claims
                .Where(c => c.Type is not (LoginPages.PhoneChallengeClaim or LoginPages.PhoneDeliveryClaim
                    or LoginPages.PhoneMaskedClaim))
                .Select(c => new Claim(c.Type, c.Value)));
            identity.AddClaim(new Claim(LoginPages.PhoneChallengeClaim, challenge.Id));
            identity.AddClaim(new Claim(LoginPages.PhoneDeliveryClaim, challenge.Delivery));
            identity.AddClaim(new Claim(LoginPages.PhoneMaskedClaim, challenge.MaskedPhone));
            await HttpContext.SignInAsync(
                OidcServerExtensions.SecondFactorScheme, new ClaimsPrincipal(identity), _pending.Properties);
            Phone = new PhoneOption(challenge.Delivery, challenge.MaskedPhone);
            return Show(challenge.Delivered ? null : "The message could not be delivered: try the other gateway.",
                StatusCodes.Status200OK);
        }

        Phone = await PhoneOptionAsync(account.Id, cancellationToken);
        return Show(sent.Error, StatusCodes.Status200OK);
    }

    public async Task<IActionResult> OnPostAsync(
        [FromForm] string? code, [FromForm] string? method, CancellationToken cancellationToken)
    {
        if (await AccountAsync() is not { } account)
        {
            return Redirect(LoginPages.LoginPath);
        }

        var principal = _pending!.Principal!;
        var attempt = await throttle.BeginAsync(
            account.UserName!, account.Id, HttpContext, LoginOutcome.SecondFactorFailed, cancellationToken);
        if (attempt.RetryAfter is { } wait)
        {
            LoginPages.SetRetryAfter(Response, wait);
            Phone = await PhoneOptionAsync(account.Id, cancellationToken);
            return Show($"Too many attempts. Try again in {LoginPages.Describe(wait)}.",
                StatusCodes.Status429TooManyRequests);
        }

        code = code?.Trim() ?? "";
        string amr;
        if (method == "phone" && principal.FindFirstValue(LoginPages.PhoneChallengeClaim) is { } challengeId)
        {
            Phone = new PhoneOption(
                principal.FindFirstValue(LoginPages.PhoneDeliveryClaim),
                principal.FindFirstValue(LoginPages.PhoneMaskedClaim));
            if (code.Length is 0 or > 16)
            {
                return Show("Type the code you received.", StatusCodes.Status400BadRequest);
            }

            if (await phone.ConfirmAsync(account.Id, challengeId, code, cancellationToken) is { } wrong)
            {
                return Show(wrong, StatusCodes.Status401Unauthorized);
            }

            // RFC 8176: "sms" for a text message, "tel" for a call.
            amr = Phone.Delivery == "sms" ? "sms" : "tel";
        }
        else
        {
            var verified = await secondFactor.VerifyAsync(account, code, cancellationToken);
            if (verified is null)
            {
                Phone = await PhoneOptionAsync(account.Id, cancellationToken, ignorePending: true);
                return Show("The code is incorrect or has already been used.", StatusCodes.Status401Unauthorized);
            }

            amr = verified == TotpMethod.MethodName ? "otp" : "rec";
        }

        return await CompleteAsync(account, attempt, ["pwd", amr], cancellationToken);
    }

    // A passkey of the account as the second factor.
    public async Task<IActionResult> OnPostPasskeyAsync(
        [FromForm] Guid? ceremony, [FromForm] string? credential, CancellationToken cancellationToken)
    {
        if (await AccountAsync() is not { } account)
        {
            return Redirect(LoginPages.LoginPath);
        }

        var attempt = await throttle.BeginAsync(
            account.UserName!, account.Id, HttpContext, LoginOutcome.SecondFactorFailed, cancellationToken);
        if (attempt.RetryAfter is { } wait)
        {
            LoginPages.SetRetryAfter(Response, wait);
            Phone = await PhoneOptionAsync(account.Id, cancellationToken);
            return Show($"Too many attempts. Try again in {LoginPages.Describe(wait)}.",
                StatusCodes.Status429TooManyRequests);
        }

        var check = ceremony is null || string.IsNullOrEmpty(credential)
            || credential.Length > Passkeys.Passkeys.CredentialMaxLength
                ? null
                : await passkeys.AssertAsync(
                    ceremony.Value, PasskeyPurpose.SecondFactor, account, credential, cancellationToken);
        if (check?.Account is null)
        {
            Phone = await PhoneOptionAsync(account.Id, cancellationToken, ignorePending: true);
            return Show(check?.CeremonyInvalid == true
                    ? "The passkey request has expired; try again."
                    : "The passkey was not accepted. Try again, or use another way.",
                StatusCodes.Status401Unauthorized);
        }

        return await CompleteAsync(account, attempt, ["pwd", "hwk"], cancellationToken);
    }

    protected override async Task<IActionResult> FormExpiredAsync()
    {
        var pending = await PendingAsync();
        if (!pending.Succeeded || !Guid.TryParse(pending.Principal.FindFirstValue(Claims.Subject), out var accountId))
        {
            return Redirect(LoginPages.LoginPath);
        }

        Describe(pending.Principal);
        Phone = await PhoneOptionAsync(accountId, HttpContext.RequestAborted);
        return Show("The form has expired; try again.", StatusCodes.Status400BadRequest);
    }

    // The second factor is proven: the pending cookie gives way to the login cookie.
    private async Task<IActionResult> CompleteAsync(
        Account account, ThrottleDecision attempt, string[] methods, CancellationToken cancellationToken)
    {
        var returnUrl = LoginPages.SafeReturnUrl(
            _pending!.Properties?.Items.TryGetValue(LoginPages.ReturnUrlItem, out var url) == true ? url : null);
        await throttle.FinishAsync(attempt, LoginOutcome.Succeeded, cancellationToken);
        await newAddress.CheckAsync(account.Id, attempt.AttemptId, HttpContext, cancellationToken);
        await HttpContext.SignOutAsync(OidcServerExtensions.SecondFactorScheme);
        await LoginPages.SignInAsync(HttpContext, account, methods, clock);
        return Redirect(returnUrl);
    }

    private async Task<AuthenticateResult> PendingAsync() =>
        _pending ??= await HttpContext.AuthenticateAsync(OidcServerExtensions.SecondFactorScheme);

    // The pending sign-in's account, with the same security stamp; null (and the pending cookie gone) otherwise.
    private async Task<Account?> AccountAsync()
    {
        var pending = await PendingAsync();
        if (!pending.Succeeded || pending.Principal.FindFirstValue(Claims.Subject) is not { } subject)
        {
            return null;
        }

        var account = await users.FindByIdAsync(subject);
        if (account is null || account.SecurityStamp != pending.Principal.FindFirstValue(LoginPages.SecurityStampClaim))
        {
            await HttpContext.SignOutAsync(OidcServerExtensions.SecondFactorScheme);
            return null;
        }

        Describe(pending.Principal);
        return account;
    }

    private void Describe(ClaimsPrincipal pending)
    {
        App = LoginPages.HasMethod(pending, TotpMethod.MethodName);
        Passkey = LoginPages.HasMethod(pending, PasskeyMethod.MethodName);
    }

    // What the page offers for the phone: the challenge under way, or the choice when a verified phone exists.
    private async Task<PhoneOption?> PhoneOptionAsync(
        Guid accountId, CancellationToken cancellationToken, bool ignorePending = false)
    {
        if (!ignorePending && _pending?.Principal?.FindFirstValue(LoginPages.PhoneDeliveryClaim) is { } delivery)
        {
            return new PhoneOption(delivery, _pending.Principal.FindFirstValue(LoginPages.PhoneMaskedClaim) ?? "");
        }

        return await phone.IsAvailableAsync(accountId, cancellationToken) ? new PhoneOption(null, null) : null;
    }
}
