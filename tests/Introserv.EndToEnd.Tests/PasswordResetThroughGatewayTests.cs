using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Aspire.Hosting.Testing;

namespace Introserv.EndToEnd.Tests;

// A forgotten password the way a customer meets it: confirm the sign-up address from its mail, then on the sign-in
// page follow "Forgot your password?", ask by login, open the link from the mail, set a new password and sign in
// with it; the link works once.
[Collection(StackDefinition.Name)]
public sealed partial class PasswordResetThroughGatewayTests(StackFixture stack)
{
    private const string Password = "copper lantern 58 hills";
    private const string NewPassword = "violet harbour 24 oars";

    [Fact]
    public async Task A_customer_sets_a_new_password_from_the_link_the_sign_in_page_sends()
    {
        var login = $"reset.{Guid.NewGuid():N}"[..20];
        var email = $"{login}@example.com";
        await stack.RegisterAsync(login, Password, "Mira", "Stone", email);

        using var mail = stack.App.CreateHttpClient(ResourceNames.MailDev, ResourceNames.HttpEndpoint);
        var confirmation = await StackFixture.WaitForMailAsync(mail, email, "Confirm your email address");
        var confirmLink = new Uri(ConfirmLink().Match(confirmation.GetProperty("text").GetString()!).Value);
        Assert.Equal(stack.GatewayAddress.Authority, confirmLink.Authority);
        var signedIn = stack.NewBrowser();
        using var api = stack.CreateGatewayClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            (await signedIn.SignInAsync(login, Password)).AccessToken);
        await StackFixture.WaitForProfileAsync(api);
        // The link opens Identity's confirmation page in the signed-in browser; one click confirms.
        var confirmed = await SubmitAsync(signedIn.Http, confirmLink.PathAndQuery,
            new() { ["token"] = TokenOf(confirmLink.ToString()) });
        Assert.Equal(HttpStatusCode.OK, confirmed.Status);
        Assert.Contains($"<strong>{email}</strong> is confirmed", confirmed.Page, StringComparison.Ordinal);
        Assert.True((await api.GetFromJsonAsync<JsonElement>("/api/profile")).GetProperty("emailConfirmed")
            .GetBoolean());

        // Identity learns of the confirmation from Profile's event; only then may a reset link go to the address.
        Assert.True(
            await Eventually.TrueAsync(async () => (await api.GetFromJsonAsync<JsonElement>("/api/account/security"))
                .GetProperty("emailConfirmed")
                .GetBoolean(), TimeSpan.FromSeconds(20)),
            "Identity did not learn that the address is confirmed");

        using var handler = new HttpClientHandler
        {
            CookieContainer = new CookieContainer(),
            AllowAutoRedirect = false
        };
        using var browser = new HttpClient(handler) { BaseAddress = stack.GatewayAddress };
        var signInPage = await browser.GetStringAsync(new Uri("/account/login", UriKind.Relative));
        Assert.Contains("href=\"/account/password-reset\"", signInPage, StringComparison.Ordinal);
        Assert.Contains("href=\"/account/sign-up\"", signInPage, StringComparison.Ordinal);
        Assert.Contains("Create an account",
            await browser.GetStringAsync(new Uri("/account/sign-up", UriKind.Relative)), StringComparison.Ordinal);
        var asked = await SubmitAsync(browser, "/account/password-reset", new() { ["account"] = login });
        Assert.Equal(HttpStatusCode.OK, asked.Status);
        Assert.Contains("Check your mail", asked.Page, StringComparison.Ordinal);

        var reset = await StackFixture.WaitForMailAsync(mail, email, "Set a new password");
        var link = new Uri(ResetLink().Match(reset.GetProperty("text").GetString()!).Value);
        Assert.Equal(stack.GatewayAddress.Authority, link.Authority);
        var token = TokenOf(link.ToString());
        var set = await SubmitAsync(browser, link.PathAndQuery,
            new() { ["token"] = token, ["newPassword"] = NewPassword, ["confirmPassword"] = NewPassword });
        Assert.Equal(HttpStatusCode.OK, set.Status);
        Assert.Contains("Password changed", set.Page, StringComparison.Ordinal);

        Assert.NotNull((await stack.NewBrowser().SignInAsync(login, NewPassword)).AccessToken);
        var again = await SubmitAsync(browser, link.PathAndQuery, new()
        {
            ["token"] = token,
            ["newPassword"] = "another 77 password",
            ["confirmPassword"] = "another 77 password"
        });
        Assert.Equal(HttpStatusCode.Conflict, again.Status);
        Assert.Contains("Ask for a new link", again.Page, StringComparison.Ordinal);
    }

    // Opens the form at path and posts it with its antiforgery field and fields.
    private static async Task<(HttpStatusCode Status, string Page)> SubmitAsync(
        HttpClient browser, string path, Dictionary<string, string> fields)
    {
        var form = await browser.GetStringAsync(new Uri(path, UriKind.Relative));
        var antiforgery = AntiforgeryField().Match(form);
        Assert.True(antiforgery.Success, form);
        fields[antiforgery.Groups["name"].Value] = WebUtility.HtmlDecode(antiforgery.Groups["value"].Value);
        var action = FormAction().Match(form).Groups["action"].Value;
        using var content = new FormUrlEncodedContent(fields);
        using var response = await browser.PostAsync(new Uri(action, UriKind.Relative), content);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static string TokenOf(string link) =>
        Uri.UnescapeDataString(new Uri(link).Query.TrimStart('?').Split('=', 2)[1]);

    [GeneratedRegex(@"https?://\S+/account/email-confirmation\?token=\S+")]
    private static partial Regex ConfirmLink();

    [GeneratedRegex(@"https?://\S+/account/password-reset/confirm\?token=\S+")]
    private static partial Regex ResetLink();

    [GeneratedRegex(
        "<input[^>]*name=\"(?<name>__RequestVerificationToken[^\"]*)\"[^>]*value=\"(?<value>[^\"]+)\"")]
    private static partial Regex AntiforgeryField();

    [GeneratedRegex("<form method=\"post\" action=\"(?<action>[^\"]+)\">")]
    private static partial Regex FormAction();
}
