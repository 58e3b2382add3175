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
    public const string SignedInPath = "/account/signed-in";
    public const string SignedOutPath = "/account/signed-out";

    // Claim holding the account's security stamp; a changed stamp ends every login cookie.
    public const string SecurityStampClaim = "stamp";

    private const string ReturnUrlItem = "returnUrl";

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

    private static async Task<IResult> ShowSecondFactorAsync(HttpContext context, IAntiforgery antiforgery)
    {
        var pending = await context.AuthenticateAsync(OidcServerExtensions.SecondFactorScheme);
        return pending.Succeeded
            ? SecondFactorForm(context, antiforgery, error: null, StatusCodes.Status200OK)
            : Results.Redirect(LoginPath);
    }

    private static async Task<IResult> SubmitSecondFactorAsync(
        HttpContext context,
        IAntiforgery antiforgery,
        UserManager<Account> users,
        LoginThrottle throttle,
        SecondFactorVerifier secondFactor,
        NewAddressNotice newAddress,
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var pending = await context.AuthenticateAsync(OidcServerExtensions.SecondFactorScheme);
        if (!pending.Succeeded || pending.Principal.FindFirstValue(Claims.Subject) is not { } subject)
        {
            return Results.Redirect(LoginPath);
        }

        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return SecondFactorForm(
                context, antiforgery, "The form has expired; try again.", StatusCodes.Status400BadRequest);
        }

        var account = await users.FindByIdAsync(subject);
        if (account is null || account.SecurityStamp != pending.Principal.FindFirstValue(SecurityStampClaim))
        {
            await context.SignOutAsync(OidcServerExtensions.SecondFactorScheme);
            return Results.Redirect(LoginPath);
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
                $"Too many attempts. Try again in {Describe(wait)}.", StatusCodes.Status429TooManyRequests);
        }

        var form = await context.Request.ReadFormAsync(cancellationToken);
        var method = await secondFactor.VerifyAsync(account, form["code"].ToString(), cancellationToken);
        if (method is null)
        {
            return SecondFactorForm(context, antiforgery,
                "The code is incorrect or has already been used.", StatusCodes.Status401Unauthorized);
        }

        await throttle.FinishAsync(attempt, LoginOutcome.Succeeded, cancellationToken);
        await newAddress.CheckAsync(account.Id, attempt.AttemptId, context, cancellationToken);
        await context.SignOutAsync(OidcServerExtensions.SecondFactorScheme);
        await SignInAsync(context, account, ["pwd", method == TotpMethod.MethodName ? "otp" : "rec"], clock);
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

    private static IResult SecondFactorForm(HttpContext context, IAntiforgery antiforgery, string? error, int status)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var body = $"""
            {Html.Error(error)}
            <p>Enter the 6-digit code from your authenticator app, or one of your recovery codes.</p>
            <form method="post" action="{SecondFactorPath}">
              <input type="hidden" name="{Html.Encode(tokens.FormFieldName)}" value="{Html.Encode(tokens.RequestToken ?? "")}">
              <label for="code">Code</label>
              <input id="code" name="code" autocomplete="one-time-code" inputmode="text" required maxlength="64" autofocus>
              <button type="submit">Verify</button>
            </form>
            <p><a href="{LoginPath}">Start again</a></p>
            """;
        return Html.Page("Second factor", body, status);
    }
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
