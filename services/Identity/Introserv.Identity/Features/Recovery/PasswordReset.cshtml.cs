using Introserv.Identity.Features.SignIn;
using Microsoft.AspNetCore.Mvc;

namespace Introserv.Identity.Features.Recovery;

// "Forgot your password?": asks for a link by login or email, with exactly the API's rules (PasswordResetRequest:
// the same answer whether the account exists or not, the same throttles).
public sealed class PasswordResetModel(
    IdentityServiceDbContext db, ILookupNormalizer normalizer, TimeProvider clock) : AccountPageModel
{
    public const string Path = "/account/password-reset";

    public override string Title => Sent is null ? "Forgot your password?" : "Check your mail";

    [BindProperty]
    public string? Account { get; set; }

    public string? Sent { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var value = Account?.Trim() ?? "";
        Account = value;
        if (value.Length == 0)
        {
            return Show("Enter your billing login or your email address.", StatusCodes.Status400BadRequest);
        }

        var body = value.Contains('@', StringComparison.Ordinal)
            ? new PasswordResetRequestBody(null, value)
            : new PasswordResetRequestBody(value, null);
        if (await RequestValidation.ValidateAsync(body, HttpContext) is { } errors)
        {
            return Show(errors.SelectMany(e => e.Value).FirstOrDefault(), StatusCodes.Status400BadRequest);
        }

        switch ((await PasswordResetRequest.HandleAsync(
            body, HttpContext, db, normalizer, clock, cancellationToken)).Result)
        {
            case Accepted<PasswordResetAccepted> accepted:
                Sent = accepted.Value!.Message;
                return Page();
            case ProblemHttpResult problem:
                return Show(problem.ProblemDetails.Detail, problem.StatusCode);
            default:
                throw new System.Diagnostics.UnreachableException();
        }
    }
}
