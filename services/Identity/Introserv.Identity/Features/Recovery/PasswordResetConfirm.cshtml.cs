using Introserv.Identity.Features.Security;
using Introserv.Identity.Features.SignIn;
using Microsoft.AspNetCore.Mvc;

namespace Introserv.Identity.Features.Recovery;

// The page a reset link opens: sets the new password with exactly the API's rules (PasswordResetConfirm). A password
// the rules refuse shows the form again with the reason; a link that is unknown, used or expired says so.
public sealed class PasswordResetConfirmModel(
    IdentityServiceDbContext db,
    UserManager<Account> users,
    IPasswordHasher<Account> hasher,
    Registration.CommonPasswords commonPasswords,
    OpenIddict.Abstractions.IOpenIddictAuthorizationManager authorizations,
    OpenIddict.Abstractions.IOpenIddictTokenManager tokens,
    TimeProvider clock) : AccountPageModel
{
    private string? _title;

    public override string Title => _title ?? (Done ? "Password changed" : "Set a new password");

    [BindProperty(SupportsGet = true)]
    public string? Token { get; set; }

    [BindProperty]
    public string? NewPassword { get; set; }

    [BindProperty]
    public string? ConfirmPassword { get; set; }

    public bool Done { get; private set; }

    public bool LinkRefused { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var body = new PasswordResetConfirmBody(Token ?? "", NewPassword ?? "", ConfirmPassword ?? "");
        NewPassword = ConfirmPassword = null;
        if (await RequestValidation.ValidateAsync(body, HttpContext) is { } errors)
        {
            return Show(errors.SelectMany(e => e.Value).FirstOrDefault(), StatusCodes.Status400BadRequest);
        }

        var passwords = new PasswordServices(users, hasher, commonPasswords, authorizations, tokens);
        switch ((await PasswordResetConfirm.HandleAsync(
            body, HttpContext, db, passwords, clock, cancellationToken)).Result)
        {
            case NoContent:
                Done = true;
                return Page();
            // A password the rules refuse, or one used before: the form again, with the reason.
            case ProblemHttpResult problem when IsAboutThePassword(problem):
                return Show(problem.ProblemDetails.Detail, problem.StatusCode);
            case ProblemHttpResult problem:
                LinkRefused = true;
                _title = problem.ProblemDetails.Title ?? "Link not valid";
                return Show(problem.ProblemDetails.Detail, problem.StatusCode);
            default:
                throw new System.Diagnostics.UnreachableException();
        }
    }

    private static bool IsAboutThePassword(ProblemHttpResult problem) =>
        problem.ProblemDetails.Extensions["code"] as string is { } code
        && (code == ProblemCodes.ValidationFailed || code == IdentityProblems.PasswordReused.Code);
}
