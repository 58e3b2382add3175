using Introserv.AllowList;
using Introserv.Identity.Features.SignIn;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Introserv.Identity.Features.Registration;

// Where the link of a confirmation mail (sign-up, "send it again", an email change) leads when the sign-in pages serve
// links (Notifications:AccountPagesUrl): the signed-in customer confirms with one click, and Profile checks the token
// for that account (the rules of POST /api/profile/email-change/confirm). Opening the link signs in first; the click
// is a post, so a mail scanner that opens links confirms nothing.
public sealed class EmailConfirmationModel(UserManager<Account> users, EmailConfirmationClient profile)
    : AccountPageModel
{
    public const string Path = "/account/email-confirmation";

    private string? _title;

    public override string Title => _title ?? (Confirmed is null ? "Confirm your email address" : "Email confirmed");

    [BindProperty(SupportsGet = true)]
    public string? Token { get; set; }

    public string Login { get; private set; } = "";

    public string? Confirmed { get; private set; }

    public bool Refused { get; private set; }

    public async Task<IActionResult> OnGetAsync()
    {
        var (account, refused) = await SignedInAccountAsync();
        if (refused is not null)
        {
            return refused;
        }

        Login = account!.UserName!;
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var (account, refused) = await SignedInAccountAsync();
        if (refused is not null)
        {
            return refused;
        }

        Login = account!.UserName!;
        if (string.IsNullOrWhiteSpace(Token) || Token.Length > 200)
        {
            return Refuse("This confirmation link is not valid.", StatusCodes.Status400BadRequest);
        }

        var (outcome, email) = await profile.ConfirmAsync(
            account.Id, Token.Trim(), HttpContext.ClientAddressText(), cancellationToken);
        switch (outcome)
        {
            case "confirmed":
                Confirmed = email ?? "";
                return Page();
            case EmailConfirmationClient.Unavailable:
                return Show("The address cannot be confirmed right now; open the link again in a few minutes.",
                    StatusCodes.Status503ServiceUnavailable);
            case "email_change_token_used":
                return Refuse("This link was used already: the address is confirmed.", StatusCodes.Status409Conflict);
            case "email_change_token_expired":
                return Refuse("This link has expired (links work for 24 hours).", StatusCodes.Status410Gone);
            default:
                return Refuse("This confirmation link is not valid: a newer link may have replaced it, or it was " +
                    "sent to another account (sign in as the account it was sent to).",
                    StatusCodes.Status400BadRequest);
        }
    }

    private PageResult Refuse(string message, int status)
    {
        Refused = true;
        _title = "Link not valid";
        return Show(message, status);
    }

    // The account of the browser's sign-in, from an address its allow-list admits; otherwise the answer: the sign-in
    // page (coming back here afterwards), or the refusal.
    private async Task<(Account? Account, IActionResult? Refused)> SignedInAccountAsync()
    {
        var signedIn = await HttpContext.AuthenticateAsync(OidcServerExtensions.LoginScheme);
        var account = signedIn.Succeeded && signedIn.Principal.FindFirstValue(Claims.Subject) is { } subject
            ? await users.FindByIdAsync(subject)
            : null;
        if (account is null
            || account.SecurityStamp != signedIn.Principal!.FindFirstValue(LoginPages.SecurityStampClaim))
        {
            var back = $"{Path}?token={Uri.EscapeDataString(Token ?? "")}";
            return (null, Redirect($"{LoginPages.LoginPath}?returnUrl={Uri.EscapeDataString(back)}"));
        }

        if (!IpAllowListMatcher.FromEntries(account.IpAllowList).Allows(HttpContext.ClientAddress()))
        {
            Refused = true;
            return (null, Show(
                $"This account's IP allow-list does not include your address {HttpContext.ClientAddressText()}.",
                StatusCodes.Status403Forbidden));
        }

        return (account, null);
    }
}
