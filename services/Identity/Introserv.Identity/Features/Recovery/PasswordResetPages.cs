using Introserv.Identity.Features.Security;
using Introserv.Identity.Features.SignIn;
using Microsoft.AspNetCore.Antiforgery;

namespace Introserv.Identity.Features.Recovery;

// The server-rendered pages of a forgotten password, next to the sign-in page: ask for a link by login or email, then
// set the new password from the link the mail carries. They run exactly the API's rules (PasswordResetRequest,
// PasswordResetConfirm) and show their answers as pages.
public static class PasswordResetPages
{
    public const string RequestPath = "/account/password-reset";
    public const string ConfirmPath = "/account/password-reset/confirm";

    public static RouteGroupBuilder MapPasswordResetPages(this RouteGroupBuilder pages)
    {
        ArgumentNullException.ThrowIfNull(pages);
        pages.MapGet("/password-reset", (HttpContext context, IAntiforgery antiforgery) =>
            RequestForm(context, antiforgery, "", null, StatusCodes.Status200OK));
        pages.MapPost("/password-reset", SubmitRequestAsync);
        pages.MapGet("/password-reset/confirm", (HttpContext context, IAntiforgery antiforgery, string? token) =>
            ConfirmForm(context, antiforgery, token ?? "", null, StatusCodes.Status200OK));
        pages.MapPost("/password-reset/confirm", SubmitConfirmAsync);
        return pages;
    }

    private static async Task<IResult> SubmitRequestAsync(
        HttpContext context, IAntiforgery antiforgery, IdentityServiceDbContext db, ILookupNormalizer normalizer,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return Expired(RequestPath);
        }

        var form = await context.Request.ReadFormAsync(cancellationToken);
        var value = form["account"].ToString().Trim();
        if (value.Length == 0)
        {
            return RequestForm(context, antiforgery, value,
                "Enter your billing login or your email address.", StatusCodes.Status400BadRequest);
        }

        var body = value.Contains('@', StringComparison.Ordinal)
            ? new PasswordResetRequestBody(null, value)
            : new PasswordResetRequestBody(value, null);
        if (await RequestValidation.ValidateAsync(body, context) is { } errors)
        {
            return RequestForm(context, antiforgery, value, First(errors), StatusCodes.Status400BadRequest);
        }

        return (await PasswordResetRequest.HandleAsync(
            body, context, db, normalizer, clock, cancellationToken)).Result switch
        {
            Accepted<PasswordResetAccepted> accepted => Html.Page("Check your mail",
                $"<p role=\"status\">{Html.Encode(accepted.Value!.Message)} It works once, for 30 minutes.</p>" +
                $"<p><a href=\"{LoginPages.LoginPath}\">Back to sign-in</a></p>"),
            ProblemHttpResult problem => RequestForm(
                context, antiforgery, value, problem.ProblemDetails.Detail, problem.StatusCode),
            var other => other!,
        };
    }

    private static async Task<IResult> SubmitConfirmAsync(
        HttpContext context, IAntiforgery antiforgery, IdentityServiceDbContext db,
        [AsParameters] PasswordServices passwords, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return Expired(RequestPath);
        }

        var form = await context.Request.ReadFormAsync(cancellationToken);
        var token = form["token"].ToString();
        var body = new PasswordResetConfirmBody(
            token, form["newPassword"].ToString(), form["confirmPassword"].ToString());
        if (await RequestValidation.ValidateAsync(body, context) is { } errors)
        {
            return ConfirmForm(context, antiforgery, token, First(errors), StatusCodes.Status400BadRequest);
        }

        var outcome = await PasswordResetConfirm.HandleAsync(body, context, db, passwords, clock, cancellationToken);
        return outcome.Result switch
        {
            NoContent => Html.Page("Password changed",
                "<p role=\"status\">Your password has been changed, " +
                "and every session of your account has been signed out.</p>" +
                $"<p><a href=\"{LoginPages.LoginPath}\">Sign in with the new password</a></p>"),
            // A password the rules refuse, or one used before: the form again, with the reason.
            ProblemHttpResult problem when IsAboutThePassword(problem) =>
                ConfirmForm(context, antiforgery, token, problem.ProblemDetails.Detail, problem.StatusCode),
            ProblemHttpResult problem => Html.Page(problem.ProblemDetails.Title ?? "Link not valid",
                $"{Html.Error(problem.ProblemDetails.Detail)}<p><a href=\"{RequestPath}\">Ask for a new link</a></p>",
                problem.StatusCode),
            var other => other!,
        };
    }

    private static bool IsAboutThePassword(ProblemHttpResult problem) =>
        problem.ProblemDetails.Extensions["code"] as string is { } code
        && (code == ProblemCodes.ValidationFailed || code == IdentityProblems.PasswordReused.Code);

    private static string? First(IEnumerable<KeyValuePair<string, string[]>> errors) =>
        errors.SelectMany(e => e.Value).FirstOrDefault();

    private static IResult Expired(string path) => Html.Page("Form expired",
        $"<p class=\"error\" role=\"alert\">The form has expired. " +
        $"<a href=\"{path}\">Reload the page</a> and try again.</p>",
        StatusCodes.Status400BadRequest);

    private static IResult RequestForm(
        HttpContext context, IAntiforgery antiforgery, string value, string? error, int status)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var body = $"""
            {Html.Error(error)}
            <p>Enter your billing login or the email address of your account. If the address is confirmed, we send it a link to set a new password.</p>
            <form method="post" action="{RequestPath}">
              <input type="hidden" name="{Html.Encode(tokens.FormFieldName)}" value="{Html.Encode(tokens.RequestToken ?? "")}">
              <label for="account">Billing login or email</label>
              <input id="account" name="account" autocomplete="username" autocapitalize="none" required maxlength="256" value="{Html.Encode(value)}" autofocus>
              <button type="submit">Send the link</button>
            </form>
            <p><a href="{LoginPages.LoginPath}">Back to sign-in</a></p>
            """;
        return Html.Page("Forgot your password?", body, status);
    }

    private static IResult ConfirmForm(
        HttpContext context, IAntiforgery antiforgery, string token, string? error, int status)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var body = $"""
            {Html.Error(error)}
            <form method="post" action="{ConfirmPath}">
              <input type="hidden" name="{Html.Encode(tokens.FormFieldName)}" value="{Html.Encode(tokens.RequestToken ?? "")}">
              <input type="hidden" name="token" value="{Html.Encode(token)}">
              <label for="newPassword">New password</label>
              <input id="newPassword" name="newPassword" type="password" autocomplete="new-password" required minlength="8" maxlength="128" autofocus>
              <label for="confirmPassword">New password again</label>
              <input id="confirmPassword" name="confirmPassword" type="password" autocomplete="new-password" required minlength="8" maxlength="128">
              <button type="submit">Set the password</button>
            </form>
            """;
        return Html.Page("Set a new password", body, status);
    }
}
