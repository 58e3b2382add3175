using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Introserv.Identity.Features.SignIn;

// Where a sign-in lands when no front end asked for it (no return URL).
public sealed class SignedInModel : AccountPageModel
{
    public override string Title => "Signed in";

    public string Login { get; private set; } = "";

    public async Task<IActionResult> OnGetAsync()
    {
        var result = await HttpContext.AuthenticateAsync(OidcServerExtensions.LoginScheme);
        if (!result.Succeeded)
        {
            return Redirect(LoginPages.LoginPath);
        }

        Login = result.Principal.FindFirstValue(Claims.Name) ?? "";
        return Page();
    }
}

// Where a sign-out lands when the front end gave no address to return to.
public sealed class SignedOutModel : AccountPageModel
{
    public override string Title => "Signed out";

    public void OnGet()
    {
    }
}
