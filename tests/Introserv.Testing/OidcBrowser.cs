using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Introserv.Testing;

// Tokens from the token endpoint.
public sealed record TokenSet(string AccessToken, string? RefreshToken, string? IdToken, int ExpiresIn);

// Drives the authorization code flow with PKCE the way a browser and a front end would: the authorize
// redirect, the server-rendered sign-in pages (with their antiforgery tokens and cookies), the redirect back
// with the code, and the token exchange. The HttpClient must keep cookies and must not follow redirects.
public sealed partial class OidcBrowser(HttpClient http, string clientId, string redirectUri)
{
    public const string DefaultScopes = "openid profile email roles offline_access";

    private string? _formToken;
    private string? _returnUrl;

    public HttpClient Http => http;

    public string CodeVerifier { get; private set; } = "";

    public string State { get; private set; } = "";

    // The authorize URL for a new PKCE pair (S256).
    public string NewAuthorizeUrl(string scope = DefaultScopes, string? extra = null)
    {
        CodeVerifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        State = Base64Url(RandomNumberGenerator.GetBytes(16));
        var challenge = Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(CodeVerifier)));
        return "/connect/authorize?response_type=code"
            + $"&client_id={Uri.EscapeDataString(clientId)}"
            + $"&redirect_uri={Uri.EscapeDataString(redirectUri)}"
            + $"&scope={Uri.EscapeDataString(scope)}"
            + $"&state={State}&code_challenge={challenge}&code_challenge_method=S256"
            + (extra ?? "");
    }

    // Starts a sign-in and opens the sign-in page it redirects to; returns the page's HTML.
    public async Task<string> OpenLoginPageAsync(string scope = DefaultScopes, string? extra = null)
    {
        using var authorize = await http.GetAsync(new Uri(NewAuthorizeUrl(scope, extra), UriKind.Relative));
        if (authorize.StatusCode != HttpStatusCode.Redirect)
        {
            throw new InvalidOperationException(
                $"Authorize answered {(int)authorize.StatusCode}: {await authorize.Content.ReadAsStringAsync()}");
        }

        return await GetPageAsync(authorize.Headers.Location!);
    }

    // Posts the credentials form; the response is a redirect on success, the page with an error otherwise.
    public Task<HttpResponseMessage> SubmitCredentialsAsync(string login, string password) =>
        PostFormAsync("/account/login", new Dictionary<string, string>
        {
            ["login"] = login,
            ["password"] = password,
            ["returnUrl"] = _returnUrl ?? "",
        });

    // Opens the second-factor page (after a credentials redirect to it) and posts the code.
    public async Task<HttpResponseMessage> SubmitSecondFactorAsync(string code)
    {
        await GetPageAsync(new Uri("/account/login/second-factor", UriKind.Relative));
        return await PostFormAsync("/account/login/second-factor", new Dictionary<string, string> { ["code"] = code });
    }

    // On the second-factor page, asks for a code on the verified phone ("sms" or "call"); the page answered.
    public async Task<HttpResponseMessage> RequestPhoneCodeAsync(string channel)
    {
        await GetPageAsync(new Uri("/account/login/second-factor", UriKind.Relative));
        return await PostFormAsync(
            "/account/login/second-factor/phone", new Dictionary<string, string> { ["channel"] = channel });
    }

    // Posts the code that came by SMS or call (after RequestPhoneCodeAsync).
    public Task<HttpResponseMessage> SubmitPhoneCodeAsync(string code) =>
        PostFormAsync("/account/login/second-factor",
            new Dictionary<string, string> { ["code"] = code, ["method"] = "phone" });

    // Opens a page (the second-factor page, say) to take its form token.
    public async Task<string> OpenPageAsync(string path) => await GetPageAsync(new Uri(path, UriKind.Relative));

    // Asks the open page's passkey options endpoint (the page script's call: POST with the form token in the
    // RequestVerificationToken header).
    public async Task<HttpResponseMessage> RequestPasskeyOptionsAsync(string optionsPath)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(optionsPath, UriKind.Relative));
        request.Headers.Add("RequestVerificationToken", _formToken ?? "");
        return await http.SendAsync(request);
    }

    // Posts the passkey form of the open page: the ceremony its options came with and the authenticator's answer.
    public Task<HttpResponseMessage> SubmitPasskeyAsync(string path, string ceremony, string credential) =>
        PostFormAsync(path, new Dictionary<string, string>
        {
            ["ceremony"] = ceremony,
            ["credential"] = credential,
            ["returnUrl"] = _returnUrl ?? "",
        });

    // A sign-in with a passkey instead of the login and password: options from the sign-in page, the
    // authenticator's answer (answer: options JSON -> credential JSON), then the form post; the response is a
    // redirect on success, the page with an error otherwise.
    public async Task<HttpResponseMessage> SignInWithPasskeyAsync(
        Func<string, string> answer, string scope = DefaultScopes)
    {
        ArgumentNullException.ThrowIfNull(answer);
        await OpenLoginPageAsync(scope);
        using var options = await RequestPasskeyOptionsAsync("/account/login/passkey/options");
        options.EnsureSuccessStatusCode();
        var body = await options.Content.ReadFromJsonAsync<JsonElement>();
        return await SubmitPasskeyAsync("/account/login/passkey", body.GetProperty("ceremony").GetString()!,
            answer(body.GetProperty("options").GetRawText()));
    }

    // Follows the redirects after a successful sign-in up to the client's redirect URI and redeems the code.
    public async Task<TokenSet> CompleteAsync(HttpResponseMessage afterSignIn)
    {
        ArgumentNullException.ThrowIfNull(afterSignIn);
        var code = await FollowToCodeAsync(afterSignIn);
        return await RedeemAsync(code);
    }

    // Redirects up to the client's redirect URI; returns the code (throws on an error redirect).
    public async Task<string> FollowToCodeAsync(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        for (var hops = 0; hops < 10; hops++)
        {
            if (response.StatusCode is not (HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther))
            {
                throw new InvalidOperationException($"Expected a redirect, got {(int)response.StatusCode}: " +
                    $"{await response.Content.ReadAsStringAsync()}");
            }

            var location = response.Headers.Location!;
            var absolute = location.IsAbsoluteUri ? location : new Uri(http.BaseAddress!, location);
            if (absolute.GetLeftPart(UriPartial.Path) == redirectUri)
            {
                var query = ParseQuery(absolute.Query);
                if (query.TryGetValue("error", out var error))
                {
                    throw new OidcErrorException(error, query.GetValueOrDefault("error_description"));
                }

                if (query.GetValueOrDefault("state") != State)
                {
                    throw new InvalidOperationException("The state does not round-trip.");
                }

                return query["code"];
            }

            response = await http.GetAsync(location);
        }

        throw new InvalidOperationException("Too many redirects.");
    }

    public async Task<TokenSet> RedeemAsync(string code)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "authorization_code",
            ["code"] = code,
            ["redirect_uri"] = redirectUri,
            ["client_id"] = clientId,
            ["code_verifier"] = CodeVerifier,
        });
        using var response = await http.PostAsync(new Uri("/connect/token", UriKind.Relative), form);
        return await ReadTokensAsync(response);
    }

    // The whole flow: sign-in page, credentials, optional second factor, code exchange.
    public async Task<TokenSet> SignInAsync(
        string login, string password, Func<string>? secondFactorCode = null, string scope = DefaultScopes)
    {
        await OpenLoginPageAsync(scope);
        var response = await SubmitCredentialsAsync(login, password);
        if (response.Headers.Location?.OriginalString
            .StartsWith("/account/login/second-factor", StringComparison.Ordinal) == true)
        {
            if (secondFactorCode is null)
            {
                throw new InvalidOperationException("The account asks for a second factor.");
            }

            response = await SubmitSecondFactorAsync(secondFactorCode());
        }

        return await CompleteAsync(response);
    }

    // Authorizes again with the existing browser sign-in (no credentials), e.g. a second tab or a silent renew.
    public async Task<HttpResponseMessage> AuthorizeAsync(string scope = DefaultScopes, string? extra = null) =>
        await http.GetAsync(new Uri(NewAuthorizeUrl(scope, extra), UriKind.Relative));

    public async Task<HttpResponseMessage> RefreshAsync(string refreshToken)
    {
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "refresh_token",
            ["refresh_token"] = refreshToken,
            ["client_id"] = clientId,
        });
        return await http.PostAsync(new Uri("/connect/token", UriKind.Relative), form);
    }

    public static async Task<TokenSet> ReadTokensAsync(HttpResponseMessage response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (!response.IsSuccessStatusCode)
        {
            throw new OidcErrorException(body.GetProperty("error").GetString()!,
                body.TryGetProperty("error_description", out var d) ? d.GetString() : null);
        }

        return new TokenSet(
            body.GetProperty("access_token").GetString()!,
            body.TryGetProperty("refresh_token", out var refresh) ? refresh.GetString() : null,
            body.TryGetProperty("id_token", out var id) ? id.GetString() : null,
            body.GetProperty("expires_in").GetInt32());
    }

    // The payload of a JWT (no validation: for looking at claims in tests).
    public static JsonElement ReadJwtPayload(string jwt) => ReadJwtPart(jwt, 1);

    // The header of a JWT (its type and key id), likewise.
    public static JsonElement ReadJwtHeader(string jwt) => ReadJwtPart(jwt, 0);

    private static JsonElement ReadJwtPart(string jwt, int index)
    {
        ArgumentNullException.ThrowIfNull(jwt);
        var part = jwt.Split('.')[index].Replace('-', '+').Replace('_', '/');
        part = part.PadRight(part.Length + ((4 - (part.Length % 4)) % 4), '=');
        return JsonDocument.Parse(Convert.FromBase64String(part)).RootElement.Clone();
    }

    private async Task<string> GetPageAsync(Uri location)
    {
        using var page = await http.GetAsync(location);
        var html = await page.Content.ReadAsStringAsync();
        if (!page.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{location} answered {(int)page.StatusCode}: {html}");
        }

        _formToken = FormToken().Match(html) is { Success: true } token
            ? WebUtility.HtmlDecode(token.Groups[1].Value)
            : null;
        if (ReturnUrl().Match(html) is { Success: true } returnUrl)
        {
            _returnUrl = WebUtility.HtmlDecode(returnUrl.Groups[1].Value);
        }

        return html;
    }

    private async Task<HttpResponseMessage> PostFormAsync(string path, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = _formToken ?? throw new InvalidOperationException("No form is open.");
        using var form = new FormUrlEncodedContent(fields);
        return await http.PostAsync(new Uri(path, UriKind.Relative), form);
    }

    private static Dictionary<string, string> ParseQuery(string query) =>
        query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => Uri.UnescapeDataString(p[0]),
                p => p.Length > 1 ? Uri.UnescapeDataString(p[1].Replace('+', ' ')) : "");

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex("<input[^>]*name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]*)\"")]
    private static partial Regex FormToken();

    [GeneratedRegex("name=\"returnUrl\" value=\"([^\"]*)\"")]
    private static partial Regex ReturnUrl();
}

// An OAuth error answer (redirect or token endpoint).
public sealed class OidcErrorException(string error, string? description)
    : Exception($"{error}: {description}")
{
    public string Error { get; } = error;

    public string? Description { get; } = description;
}
