using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using OpenIddict.Server.AspNetCore;

namespace Introserv.Identity.Features.SignIn;

// Identity's authentication schemes, as registered, except in one answer. ASP.NET Core's authentication middleware
// offers every request to each scheme that handles requests before it authenticates the caller; one of them is the
// OpenID Connect server (OpenIddict), which works out on every request whether it is one of its endpoints
// (/connect/..., /.well-known/...). A request of Identity's JSON API (/api) never is, so it is not offered to the
// server; the default authentication (the bearer token) runs for it as for every other request.
public sealed class ApiSchemeProvider(IOptions<AuthenticationOptions> options, IHttpContextAccessor http)
    : AuthenticationSchemeProvider(options)
{
    public static readonly PathString ApiPath = "/api";

    // The registered request handlers and the same list without the server's, until the registrations change.
    private Lists? _lists;

    public override async Task<IEnumerable<AuthenticationScheme>> GetRequestHandlerSchemesAsync()
    {
        var all = await base.GetRequestHandlerSchemesAsync();
        if (http.HttpContext?.Request.Path.StartsWithSegments(ApiPath) != true)
        {
            return all;
        }

        var lists = _lists;
        if (lists is null || !ReferenceEquals(lists.All, all))
        {
            lists = new Lists(all, all.Where(scheme =>
                scheme.Name != OpenIddictServerAspNetCoreDefaults.AuthenticationScheme).ToArray());
            _lists = lists;
        }

        return lists.WithoutServer;
    }

    private sealed record Lists(IEnumerable<AuthenticationScheme> All, AuthenticationScheme[] WithoutServer);
}
