using Introserv.Identity.Features.SignIn;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using static OpenIddict.Abstractions.OpenIddictConstants;

namespace Introserv.Identity.Features.Passkeys;

// The WebAuthn options the sign-in pages' script asks for (JSON, same origin, with the page's antiforgery token in
// the RequestVerificationToken header): any passkey of the site for a sign-in, the pending account's passkeys for
// the second factor. The answers are form posts to the pages (LoginModel, SecondFactorModel).
public static class PasskeyPageEndpoints
{
    public const string SignInOptionsPath = "/account/login/passkey/options";
    public const string SecondFactorOptionsPath = "/account/login/second-factor/passkey/options";

    public static IEndpointRouteBuilder MapPasskeyPageEndpoints(this IEndpointRouteBuilder endpoints)
    {
        var pages = endpoints.MapGroup("").AllowAnonymous().ExcludeFromDescription();
        pages.AddEndpointFilter(async (context, next) =>
        {
            context.HttpContext.Response.Headers.CacheControl = "no-store";
            var antiforgery = context.HttpContext.RequestServices.GetRequiredService<IAntiforgery>();
            return await antiforgery.IsRequestValidAsync(context.HttpContext)
                ? await next(context)
                : Results.Problem(
                    statusCode: StatusCodes.Status400BadRequest, title: "Form expired",
                    detail: "The page has expired; reload it and try again.",
                    extensions: new Dictionary<string, object?> { ["code"] = "form_expired" });
        });
        pages.MapPost(SignInOptionsPath, async (Passkeys passkeys, CancellationToken cancellationToken) =>
            Results.Ok(await passkeys.RequestOptionsAsync(null, PasskeyPurpose.SignIn, cancellationToken)));
        pages.MapPost(SecondFactorOptionsPath, async (
            HttpContext context, UserManager<Account> users, Passkeys passkeys, CancellationToken cancellationToken) =>
        {
            var pending = await context.AuthenticateAsync(OidcServerExtensions.SecondFactorScheme);
            var account = pending.Succeeded && pending.Principal.FindFirstValue(Claims.Subject) is { } subject
                ? await users.FindByIdAsync(subject)
                : null;
            if (account is null || account.PasskeyCount == 0
                || account.SecurityStamp != pending.Principal!.FindFirstValue(LoginPages.SecurityStampClaim))
            {
                return Results.Problem(
                    statusCode: StatusCodes.Status400BadRequest, title: "Sign-in expired",
                    detail: "Start the sign-in again.",
                    extensions: new Dictionary<string, object?> { ["code"] = "sign_in_expired" });
            }

            return Results.Ok(
                await passkeys.RequestOptionsAsync(account, PasskeyPurpose.SecondFactor, cancellationToken));
        });
        return endpoints;
    }
}
