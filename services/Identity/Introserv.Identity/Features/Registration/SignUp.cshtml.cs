using Introserv.Identity.Features.SignIn;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Introserv.Identity.Features.Registration;

// "Create an account" next to the sign-in page: the form runs exactly the API's registration (RegisterAccount: the same
// validation, the same conflicts, the same confirmation mail) and shows every refused field at once.
public sealed class SignUpModel(
    UserManager<Account> users, IdentityServiceDbContext db, TimeProvider clock) : AccountPageModel
{
    public const string Path = "/account/sign-up";

    private static readonly (string Field, string Label)[] Fields =
        [("login", "Billing login"), ("email", "Email"), ("firstName", "First name"), ("lastName", "Last name"),
            ("password", "Password")];

    private HashSet<string> _invalid = [];

    public override string Title => Created is null ? "Create an account" : "Your account is ready";

    [BindProperty]
    public string? Login { get; set; }

    [BindProperty]
    public string? Email { get; set; }

    [BindProperty]
    public string? FirstName { get; set; }

    [BindProperty]
    public string? LastName { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public List<string> Problems { get; } = [];

    public AccountCreatedResponse? Created { get; private set; }

    // aria-invalid for a refused field, nothing otherwise.
    public string? Invalid(string field) => _invalid.Contains(field) ? "true" : null;

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var request = new RegisterAccountRequest(
            Login?.Trim() ?? "", Password ?? "", Email?.Trim() ?? "", FirstName?.Trim() ?? "", LastName?.Trim() ?? "");
        Password = null;
        if (await RequestValidation.ValidateAsync(request, HttpContext) is { } errors)
        {
            _invalid = [.. errors.Keys];
            Problems.AddRange(Fields.Where(f => errors.ContainsKey(f.Field))
                .Select(f => $"{f.Label}: {string.Join(" ", errors[f.Field])}"));
            return new PageResult { StatusCode = StatusCodes.Status400BadRequest };
        }

        switch ((await RegisterAccount.HandleAsync(request, users, db, clock, cancellationToken)).Result)
        {
            case Created<AccountCreatedResponse> created:
                Created = created.Value;
                return Page();
            case ProblemHttpResult problem:
                Problems.Add(problem.ProblemDetails.Detail ?? "The account could not be created.");
                return new PageResult { StatusCode = problem.StatusCode };
            default:
                throw new System.Diagnostics.UnreachableException();
        }
    }

    protected override Task<IActionResult> FormExpiredAsync()
    {
        Problems.Add(FormExpiredMessage);
        return Task.FromResult<IActionResult>(new PageResult { StatusCode = StatusCodes.Status400BadRequest });
    }
}
