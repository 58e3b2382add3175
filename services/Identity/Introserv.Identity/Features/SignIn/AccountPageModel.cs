using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Introserv.Identity.Features.SignIn;

// The base of the account pages (sign-in, second factor, sign-up, password reset): no framing, no caching, a strict
// content security policy (the page's own stylesheet and script only), and antiforgery checked on every post. An
// expired or missing form token answers the page again with a message (400) rather than a bare error.
[IgnoreAntiforgeryToken]
public abstract class AccountPageModel : PageModel
{
    public const string ContentSecurityPolicy =
        "default-src 'none'; style-src 'self'; script-src 'self'; connect-src 'self'; img-src 'self'; " +
        "frame-ancestors 'none'; base-uri 'none'";

    public const string FormExpiredMessage = "The form has expired. Reload the page and try again.";

    // The page heading and title.
    public abstract string Title { get; }

    // The message shown in the page's alert, if any.
    public string? Error { get; set; }

    // A confirmation shown in the page's status region, if any.
    public string? Notice { get; set; }

    public override async Task OnPageHandlerExecutionAsync(
        PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var headers = Response.Headers;
        headers.XFrameOptions = "DENY";
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.CacheControl = "no-store";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XContentTypeOptions = "nosniff";
        if (HttpMethods.IsPost(Request.Method)
            && !await HttpContext.RequestServices.GetRequiredService<IAntiforgery>().IsRequestValidAsync(HttpContext))
        {
            context.Result = await FormExpiredAsync();
            return;
        }

        await next();
    }

    // The answer to a post whose form token is missing or expired.
    protected virtual Task<IActionResult> FormExpiredAsync() =>
        Task.FromResult<IActionResult>(Show(FormExpiredMessage, StatusCodes.Status400BadRequest));

    // The page again with an error and a status code.
    protected PageResult Show(string? error, int status)
    {
        Error = error;
        return new PageResult { StatusCode = status };
    }
}
