using System.Globalization;
using System.Text.Encodings.Web;
using Introserv.AllowList;
using Introserv.Identity.Features.Recovery;
using Introserv.Identity.Features.Registration;
using Introserv.Identity.Features.TwoFactor;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Introserv.Identity.Features.SignIn;

// The server-rendered sign-in pages: credentials, then the second factor when the account has one. They set the login
// cookie that /connect/authorize reads; front ends never see a password.
public static class LoginPages
{
    public const string LoginPath = "/account/login";
    public const string SecondFactorPath = "/account/login/second-factor";
    public const string PhoneCodePath = "/account/login/second-factor/phone";
    public const string SignedInPath = "/account/signed-in";
    public const string SignedOutPath = "/account/signed-out";

    // Claim holding the account's security stamp; a changed stamp ends every login cookie.
    public const string SecurityStampClaim = "stamp";

    private const string ReturnUrlItem = "returnUrl";

    // The sign-in phone challenge in progress, kept in the second-factor cookie (encrypted, five minutes).
    private const string PhoneChallengeClaim = "phone_challenge";
    private const string PhoneDeliveryClaim = "phone_delivery";
    private const string PhoneMaskedClaim = "phone_masked";

    // The second-factor methods of the account, so the page offers the authenticator app only to who has one.
    private const string MethodsClaim = "second_factor_methods";

    public static IEndpointRouteBuilder MapLoginPages(this IEndpointRouteBuilder endpoints)
    {
        var pages = endpoints.MapGroup("/account").AllowAnonymous().ExcludeFromDescription();
        pages.AddEndpointFilter(async (context, next) =>
        {
            var headers = context.HttpContext.Response.Headers;
            headers.XFrameOptions = "DENY";
            headers.ContentSecurityPolicy =
                "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";
            headers.CacheControl = "no-store";
            return await next(context);
        });
        pages.MapGet("/login", ShowLogin);
        pages.MapPost("/login", SubmitLoginAsync);
        pages.MapGet("/login/second-factor", ShowSecondFactorAsync);
        pages.MapPost("/login/second-factor", SubmitSecondFactorAsync);
        pages.MapPost("/login/second-factor/phone", SendPhoneCodeAsync);
        pages.MapGet("/signed-in", ShowSignedInAsync);
        pages.MapGet("/signed-out", () => Html.Page("Signed out", "<p>You have signed out.</p>"));
        pages.MapPasswordResetPages();
        pages.MapSignUpPages();
        return endpoints;
    }

    private static IResult ShowLogin(HttpContext context, IAntiforgery antiforgery, string? returnUrl) =>
        LoginForm(context, antiforgery, SafeReturnUrl(returnUrl), login: "", error: null, StatusCodes.Status200OK);

    private static async Task<IResult> SubmitLoginAsync(
        HttpContext context,
        IAntiforgery antiforgery,
        UserManager<Account> users,
        IPasswordHasher<Account> hasher,
        UnknownLoginPassword unknownLogin,
        LoginThrottle throttle,
        SecondFactorVerifier secondFactor,
        NewAddressNotice newAddress,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return Html.Page("Sign in",
                "<p class=\"error\" role=\"alert\">The form has expired. <a href=\"" + LoginPath +
                "\">Reload the sign-in page</a> and try again.</p>",
                StatusCodes.Status400BadRequest);
        }

        var form = await context.Request.ReadFormAsync(cancellationToken);
        var login = form["login"].ToString().Trim();
        var password = form["password"].ToString();
        var returnUrl = SafeReturnUrl(form["returnUrl"]);
        if (login.Length == 0 || password.Length == 0)
        {
            return LoginForm(context, antiforgery, returnUrl, login,
                "Enter your login and password.", StatusCodes.Status400BadRequest);
        }

        // Known and unknown logins take the same path: one lookup, the same throttle (keyed on the login), one
        // password check of the same cost, the same answer.
        var account = login.Length <= 64 ? await users.FindByNameAsync(login.ToLowerInvariant()) : null;
        var attempt = await throttle.BeginAsync(
            login, account?.Id, context, LoginOutcome.InvalidCredentials, cancellationToken);
        if (attempt.RetryAfter is { } wait)
        {
            return Throttled(context, antiforgery, returnUrl, login, wait);
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
            return LoginForm(context, antiforgery, returnUrl, login,
                "The login or password is incorrect.", StatusCodes.Status401Unauthorized);
        }

        if (!IpAllowListMatcher.FromEntries(account.IpAllowList).Allows(context.ClientAddress()))
        {
            await throttle.FinishAsync(attempt, LoginOutcome.IpNotAllowed, cancellationToken);
            return Html.Page(
                "Sign-in refused",
                $"<p class=\"error\" role=\"alert\">This account's IP allow-list does not include your address " +
                $"{Html.Encode(context.ClientAddressText())}. " +
                "Sign in from an allowed address, or contact support.</p>",
                StatusCodes.Status403Forbidden);
        }

        if (secondFactor.IsRequiredFor(account))
        {
            await throttle.FinishAsync(attempt, LoginOutcome.SecondFactorRequired, cancellationToken);
            var pending = new ClaimsIdentity(OidcServerExtensions.SecondFactorScheme);
            pending.AddClaim(new Claim(Claims.Subject, account.Id.ToString()));
            pending.AddClaim(new Claim(SecurityStampClaim, account.SecurityStamp ?? ""));
            pending.AddClaim(new Claim(MethodsClaim, string.Join(' ', secondFactor.MethodsFor(account))));
            var properties = new AuthenticationProperties { Items = { [ReturnUrlItem] = returnUrl } };
            await context.SignInAsync(
                OidcServerExtensions.SecondFactorScheme, new ClaimsPrincipal(pending), properties);
            return Results.Redirect(SecondFactorPath);
        }

        await throttle.FinishAsync(attempt, LoginOutcome.Succeeded, cancellationToken);
        await newAddress.CheckAsync(account.Id, attempt.AttemptId, context, cancellationToken);
        await SignInAsync(context, account, ["pwd"], clock);
        return Results.Redirect(returnUrl);
    }

    private static async Task<IResult> ShowSecondFactorAsync(
        HttpContext context, IAntiforgery antiforgery, PhoneSignIn phone, string? use,
        CancellationToken cancellationToken)
    {
        var pending = await context.AuthenticateAsync(OidcServerExtensions.SecondFactorScheme);
        if (!pending.Succeeded || !Guid.TryParse(pending.Principal.FindFirstValue(Claims.Subject), out var accountId))
        {
            return Results.Redirect(LoginPath);
        }

        // ?use=app: back to the authenticator app while a phone code is under way.
        var app = HasApp(pending.Principal);
        return SecondFactorForm(context, antiforgery, error: null, StatusCodes.Status200OK,
            await PhoneOptionAsync(pending, accountId, phone, cancellationToken, ignorePending: app && use == "app"),
            app);
    }

    // A form post of the second-factor step: the pending sign-in (the password was right), its account with the
    // same security stamp, and a valid antiforgery token; otherwise the answer (back to the login page, or the form).
    private static async Task<(
            AuthenticateResult Pending, ClaimsPrincipal Principal, Account Account, IResult? Refused)>
        PendingSecondFactorAsync(HttpContext context, IAntiforgery antiforgery, UserManager<Account> users)
    {
        var pending = await context.AuthenticateAsync(OidcServerExtensions.SecondFactorScheme);
        if (!pending.Succeeded || pending.Principal.FindFirstValue(Claims.Subject) is not { } subject)
        {
            return (pending, null!, null!, Results.Redirect(LoginPath));
        }

        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return (pending, null!, null!, SecondFactorForm(
                context, antiforgery, "The form has expired; try again.", StatusCodes.Status400BadRequest));
        }

        var account = await users.FindByIdAsync(subject);
        if (account is null || account.SecurityStamp != pending.Principal.FindFirstValue(SecurityStampClaim))
        {
            await context.SignOutAsync(OidcServerExtensions.SecondFactorScheme);
            return (pending, null!, null!, Results.Redirect(LoginPath));
        }

        return (pending, pending.Principal, account, null);
    }

    // "Text me a code" / "Call me": starts a sign_in challenge on the verified phone, or with a challenge under way,
    // sends it again through the other gateway.
    private static async Task<IResult> SendPhoneCodeAsync(
        HttpContext context, IAntiforgery antiforgery, UserManager<Account> users, PhoneSignIn phone,
        CancellationToken cancellationToken)
    {
        var (pending, principal, account, refused) = await PendingSecondFactorAsync(context, antiforgery, users);
        if (refused is not null)
        {
            return refused;
        }

        var form = await context.Request.ReadFormAsync(cancellationToken);
        var current = principal.FindFirstValue(PhoneChallengeClaim);
        var channel = form["channel"].ToString();
        (PhoneChallenge? Challenge, string? Error) sent;
        if (form["otherGateway"] == "true" && current is not null)
        {
            sent = await phone.ResendAsync(account.Id, current, cancellationToken);
        }
        else if (channel is PhoneSignIn.Sms or PhoneSignIn.Call)
        {
            sent = await phone.StartAsync(account.Id, channel, context.ClientAddressText(), cancellationToken);
        }
        else
        {
            sent = (null, "Choose a text message or a call.");
        }

        if (sent.Challenge is { } challenge)
        {
            var identity = new ClaimsIdentity(OidcServerExtensions.SecondFactorScheme);
            identity.AddClaims(principal.Claims
                .Where(c => c.Type is not (PhoneChallengeClaim or PhoneDeliveryClaim or PhoneMaskedClaim))
                .Select(c => new Claim(c.Type, c.Value)));
            identity.AddClaim(new Claim(PhoneChallengeClaim, challenge.Id));
            identity.AddClaim(new Claim(PhoneDeliveryClaim, challenge.Delivery));
            identity.AddClaim(new Claim(PhoneMaskedClaim, challenge.MaskedPhone));
            await context.SignInAsync(
                OidcServerExtensions.SecondFactorScheme, new ClaimsPrincipal(identity), pending.Properties);
            return SecondFactorForm(context, antiforgery,
                challenge.Delivered ? null : "The message could not be delivered: try the other gateway.",
                StatusCodes.Status200OK, new PhoneOption(challenge.Delivery, challenge.MaskedPhone),
                HasApp(principal));
        }

        return SecondFactorForm(context, antiforgery, sent.Error, StatusCodes.Status200OK,
            await PhoneOptionAsync(pending, account.Id, phone, cancellationToken), HasApp(principal));
    }

    // What the page offers for the phone: the challenge under way, or the choice when a verified phone exists.
    private static async Task<PhoneOption?> PhoneOptionAsync(
        AuthenticateResult pending, Guid accountId, PhoneSignIn phone, CancellationToken cancellationToken,
        bool ignorePending = false)
    {
        if (!ignorePending && pending.Principal?.FindFirstValue(PhoneDeliveryClaim) is { } delivery)
        {
            return new PhoneOption(delivery, pending.Principal.FindFirstValue(PhoneMaskedClaim) ?? "");
        }

        return await phone.IsAvailableAsync(accountId, cancellationToken) ? new PhoneOption(null, null) : null;
    }

    private static async Task<IResult> SubmitSecondFactorAsync(
        HttpContext context,
        IAntiforgery antiforgery,
        UserManager<Account> users,
        LoginThrottle throttle,
        SecondFactorVerifier secondFactor,
        PhoneSignIn phone,
        NewAddressNotice newAddress,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var (pending, principal, account, refused) = await PendingSecondFactorAsync(context, antiforgery, users);
        if (refused is not null)
        {
            return refused;
        }

        var returnUrl = SafeReturnUrl(
            pending.Properties?.Items.TryGetValue(ReturnUrlItem, out var url) == true ? url : null);
        var attempt = await throttle.BeginAsync(
            account.UserName!, account.Id, context, LoginOutcome.SecondFactorFailed, cancellationToken);
        if (attempt.RetryAfter is { } wait)
        {
            context.Response.Headers.RetryAfter =
                ((int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            return SecondFactorForm(context, antiforgery,
                $"Too many attempts. Try again in {Describe(wait)}.", StatusCodes.Status429TooManyRequests,
                await PhoneOptionAsync(pending, account.Id, phone, cancellationToken), HasApp(principal));
        }

        var form = await context.Request.ReadFormAsync(cancellationToken);
        var code = form["code"].ToString().Trim();
        string amr;
        if (form["method"] == "phone" && principal.FindFirstValue(PhoneChallengeClaim) is { } challengeId)
        {
            var option = new PhoneOption(
                principal.FindFirstValue(PhoneDeliveryClaim),
                principal.FindFirstValue(PhoneMaskedClaim));
            if (code.Length is 0 or > 16)
            {
                return SecondFactorForm(context, antiforgery, "Type the code you received.",
                    StatusCodes.Status400BadRequest, option, HasApp(principal));
            }

            if (await phone.ConfirmAsync(account.Id, challengeId, code, cancellationToken) is { } wrong)
            {
                return SecondFactorForm(
                    context, antiforgery, wrong, StatusCodes.Status401Unauthorized, option, HasApp(principal));
            }

            // RFC 8176: "sms" for a text message, "tel" for a call.
            amr = option.Delivery == "sms" ? "sms" : "tel";
        }
        else
        {
            var method = await secondFactor.VerifyAsync(account, code, cancellationToken);
            if (method is null)
            {
                return SecondFactorForm(context, antiforgery,
                    "The code is incorrect or has already been used.", StatusCodes.Status401Unauthorized,
                    await PhoneOptionAsync(pending, account.Id, phone, cancellationToken, ignorePending: true),
                    HasApp(principal));
            }

            amr = method == TotpMethod.MethodName ? "otp" : "rec";
        }

        await throttle.FinishAsync(attempt, LoginOutcome.Succeeded, cancellationToken);
        await newAddress.CheckAsync(account.Id, attempt.AttemptId, context, cancellationToken);
        await context.SignOutAsync(OidcServerExtensions.SecondFactorScheme);
        await SignInAsync(context, account, ["pwd", amr], clock);
        return Results.Redirect(returnUrl);
    }

    private static async Task<IResult> ShowSignedInAsync(HttpContext context, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var result = await context.AuthenticateAsync(OidcServerExtensions.LoginScheme);
        return result.Succeeded
            ? Html.Page("Signed in",
                $"<p>You are signed in as <strong>" +
                $"{Html.Encode(result.Principal.FindFirstValue(Claims.Name) ?? "")}</strong>.</p>")
            : Results.Redirect(LoginPath);
    }

    private static async Task SignInAsync(HttpContext context, Account account, string[] methods, TimeProvider clock)
    {
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

    private static IResult Throttled(
        HttpContext context, IAntiforgery antiforgery, string returnUrl, string login, TimeSpan wait)
    {
        context.Response.Headers.RetryAfter =
            ((int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        return LoginForm(context, antiforgery, returnUrl, login,
            $"Too many sign-in attempts. Try again in {Describe(wait)}.", StatusCodes.Status429TooManyRequests);
    }

    private static string Describe(TimeSpan wait) =>
        wait.TotalSeconds < 60
            ? $"{Math.Ceiling(wait.TotalSeconds)} seconds"
            : $"{Math.Ceiling(wait.TotalMinutes)} minutes";

    private static IResult LoginForm(
        HttpContext context, IAntiforgery antiforgery, string returnUrl, string login, string? error, int status)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var body = $"""
            {Html.Error(error)}
            <form method="post" action="{LoginPath}">
              <input type="hidden" name="{Html.Encode(tokens.FormFieldName)}" value="{Html.Encode(tokens.RequestToken ?? "")}">
              <input type="hidden" name="returnUrl" value="{Html.Encode(returnUrl)}">
              <label for="login">Billing login</label>
              <input id="login" name="login" autocomplete="username" autocapitalize="none" required maxlength="64" value="{Html.Encode(login)}" autofocus>
              <label for="password">Password</label>
              <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="128">
              <button type="submit">Sign in</button>
            </form>
            <p><a href="{PasswordResetPages.RequestPath}">Forgot your password?</a></p>
            <p>New here? <a href="{SignUpPages.SignUpPath}">Create an account</a></p>
            """;
        return Html.Page("Sign in", body, status);
    }

    // The phone part of the second-factor page: a challenge under way (how it was delivered, to which masked
    // number), or only the offer (both null).
    private sealed record PhoneOption(string? Delivery, string? MaskedPhone);

    private static IResult SecondFactorForm(
        HttpContext context, IAntiforgery antiforgery, string? error, int status, PhoneOption? phone = null,
        bool app = true)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var token = $"""<input type="hidden" name="{Html.Encode(tokens.FormFieldName)}" """ +
            $"""value="{Html.Encode(tokens.RequestToken ?? "")}">""";
        var body = phone?.Delivery is { } delivery
            ? $"""
            {Html.Error(error)}
            <p>{Html.Encode(PhoneInstruction(delivery, phone.MaskedPhone ?? ""))}</p>
            <form method="post" action="{SecondFactorPath}">
              {token}
              <input type="hidden" name="method" value="phone">
              <label for="code">Code</label>
              <input id="code" name="code" autocomplete="one-time-code" inputmode="numeric" required maxlength="16" autofocus>
              <button type="submit">Verify</button>
            </form>
            <form method="post" action="{PhoneCodePath}">
              {token}
              <p>Nothing came? <button type="submit" name="otherGateway" value="true">Try the other gateway</button></p>
            </form>
            <p>{(app ? $"""<a href="{SecondFactorPath}?use=app">Use the authenticator app instead</a> · """ : "")}<a href="{LoginPath}">Start again</a></p>
            """
            : !app
            ? $"""
            {Html.Error(error ?? (phone is null
                ? "The phone service cannot be reached right now, so no code can be sent; try again shortly." : null))}
            {(phone is null ? "" : $"""
            <form method="post" action="{PhoneCodePath}">
              {token}
              <p>Get a code on your verified phone:</p>
              <button type="submit" name="channel" value="sms">Text me a code</button>
              <button type="submit" name="channel" value="call">Call me</button>
            </form>
            """)}
            <p><a href="{LoginPath}">Start again</a></p>
            """
            : $"""
            {Html.Error(error)}
            <p>Enter the 6-digit code from your authenticator app, or one of your recovery codes.</p>
            <form method="post" action="{SecondFactorPath}">
              {token}
              <label for="code">Code</label>
              <input id="code" name="code" autocomplete="one-time-code" inputmode="text" required maxlength="64" autofocus>
              <button type="submit">Verify</button>
            </form>
            {(phone is null ? "" : $"""
            <form method="post" action="{PhoneCodePath}">
              {token}
              <p>No authenticator at hand? Get a code on your verified phone:</p>
              <button type="submit" name="channel" value="sms">Text me a code</button>
              <button type="submit" name="channel" value="call">Call me</button>
            </form>
            """)}
            <p><a href="{LoginPath}">Start again</a></p>
            """;
        return Html.Page("Second factor", body, status);
    }

    // Whether the account has the authenticator app (its recovery codes with it); true when the cookie does not say.
    private static bool HasApp(ClaimsPrincipal? pending) =>
        pending?.FindFirstValue(MethodsClaim) is not { } methods
        || methods.Split(' ').Contains(TotpMethod.MethodName, StringComparer.Ordinal);

    private static string PhoneInstruction(string delivery, string maskedPhone) => delivery switch
    {
        "flash_call" => $"We are calling {maskedPhone}. Do not answer: type the last four digits of the number " +
            "that calls you.",
        "voice_call" => $"We are calling {maskedPhone}. Answer and type the four digits you hear.",
        _ => $"We sent a text message with a 6-digit code to {maskedPhone}.",
    };
}

// The plain page layout of the sign-in pages.
public static class Html
{
    public static string Encode(string value) => HtmlEncoder.Default.Encode(value);

    public static string Error(string? message) =>
        message is null ? "" : $"<p class=\"error\" role=\"alert\">{Encode(message)}</p>";

    public static IResult Page(string title, string body, int status = StatusCodes.Status200OK) => Results.Content(
        $$"""
        <!doctype html>
        <html lang="en">
        <head>
          <meta charset="utf-8">
          <meta name="viewport" content="width=device-width, initial-scale=1">
          <meta name="referrer" content="no-referrer">
          <title>{{Encode(title)}} · Introserv</title>
          <style>
            body { font-family: system-ui, sans-serif; max-width: 24rem; margin: 4rem auto; padding: 0 1rem; color: #1a1a1a; }
            h1 { font-size: 1.4rem; }
            label { display: block; margin-top: 1rem; font-weight: 600; }
            input { width: 100%; box-sizing: border-box; padding: .5rem; font-size: 1rem; }
            button { margin-top: 1.5rem; padding: .6rem 1.2rem; font-size: 1rem; }
            .error { color: #a40000; }
          </style>
        </head>
        <body>
          <main>
            <h1>{{Encode(title)}}</h1>
            {{body}}
          </main>
        </body>
        </html>
        """,
        "text/html; charset=utf-8",
        statusCode: status);
}
