using Introserv.Identity.Features.SignIn;
using Microsoft.AspNetCore.Antiforgery;

namespace Introserv.Identity.Features.Registration;

// "Create an account" next to the sign-in page: the form runs exactly the API's registration (RegisterAccount: the same
// validation, the same conflicts, the same confirmation mail) and shows every refused field at once.
public static class SignUpPages
{
    public const string SignUpPath = "/account/sign-up";

    private static readonly (string Field, string Label)[] Fields =
        [("login", "Billing login"), ("email", "Email"), ("firstName", "First name"), ("lastName", "Last name"),
            ("password", "Password")];

    public static RouteGroupBuilder MapSignUpPages(this RouteGroupBuilder pages)
    {
        ArgumentNullException.ThrowIfNull(pages);
        pages.MapGet("/sign-up", (HttpContext context, IAntiforgery antiforgery) =>
            Form(context, antiforgery, new Dictionary<string, string>(), [], StatusCodes.Status200OK));
        pages.MapPost("/sign-up", SubmitAsync);
        return pages;
    }

    private static async Task<IResult> SubmitAsync(
        HttpContext context, IAntiforgery antiforgery, UserManager<Account> users, IdentityServiceDbContext db,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            return Html.Page("Form expired",
                $"<p class=\"error\" role=\"alert\">The form has expired. " +
                $"<a href=\"{SignUpPath}\">Reload the page</a> and try again.</p>",
                StatusCodes.Status400BadRequest);
        }

        var form = await context.Request.ReadFormAsync(cancellationToken);
        var values = Fields.Where(f => f.Field != "password")
            .ToDictionary(f => f.Field, f => form[f.Field].ToString().Trim(), StringComparer.Ordinal);
        var request = new RegisterAccountRequest(
            values["login"], form["password"].ToString(), values["email"], values["firstName"], values["lastName"]);
        if (await RequestValidation.ValidateAsync(request, context) is { } errors)
        {
            var messages = Fields.Where(f => errors.ContainsKey(f.Field))
                .Select(f => $"{f.Label}: {string.Join(" ", errors[f.Field])}")
                .ToList();
            return Form(context, antiforgery, values, messages, StatusCodes.Status400BadRequest);
        }

        return (await RegisterAccount.HandleAsync(request, users, db, clock, cancellationToken)).Result switch
        {
            Created<AccountCreatedResponse> created => Html.Page("Your account is ready",
                $"<p role=\"status\">Welcome, {Html.Encode(created.Value!.FirstName)}. " +
                $"We sent a link to {Html.Encode(created.Value.Email)} to confirm the address.</p>" +
                $"<p><a href=\"{LoginPages.LoginPath}\">Sign in as {Html.Encode(created.Value.Login)}</a></p>"),
            ProblemHttpResult problem => Form(
                context, antiforgery, values, [problem.ProblemDetails.Detail ?? "The account could not be created."],
                problem.StatusCode),
            var other => other!,
        };
    }

    private static IResult Form(
        HttpContext context, IAntiforgery antiforgery, IReadOnlyDictionary<string, string> values, List<string> errors,
        int status)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        string Value(string field) => Html.Encode(values.GetValueOrDefault(field) ?? "");
        var list = errors.Count == 0
            ? ""
            : $"<ul class=\"error\" role=\"alert\">" +
                $"{string.Concat(errors.Select(e => $"<li>{Html.Encode(e)}</li>"))}</ul>";
        var body = $"""
            {list}
            <form method="post" action="{SignUpPath}">
              <input type="hidden" name="{Html.Encode(tokens.FormFieldName)}" value="{Html.Encode(tokens.RequestToken ?? "")}">
              <label for="login">Billing login (3–32 of a-z 0-9 . _ -; it cannot change later)</label>
              <input id="login" name="login" autocomplete="username" autocapitalize="none" required minlength="3" maxlength="32" value="{Value("login")}" autofocus>
              <label for="email">Email</label>
              <input id="email" name="email" type="email" autocomplete="email" required maxlength="254" value="{Value("email")}">
              <label for="firstName">First name</label>
              <input id="firstName" name="firstName" autocomplete="given-name" required maxlength="100" value="{Value("firstName")}">
              <label for="lastName">Last name</label>
              <input id="lastName" name="lastName" autocomplete="family-name" required maxlength="100" value="{Value("lastName")}">
              <label for="password">Password (8–128 characters; a few words you remember are best)</label>
              <input id="password" name="password" type="password" autocomplete="new-password" required minlength="8" maxlength="128">
              <button type="submit">Create the account</button>
            </form>
            <p>Already a customer? <a href="{LoginPages.LoginPath}">Sign in</a></p>
            """;
        return Html.Page("Create an account", body, status);
    }
}
