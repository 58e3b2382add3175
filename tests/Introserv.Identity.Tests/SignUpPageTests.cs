using System.Text.RegularExpressions;
using Introserv.Identity.Data;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Introserv.Identity.Tests;

// "Create an account" in the browser: the sign-in page links to it, and it runs the API's registration rules.
public sealed partial class SignUpPageTests(IdentityServiceFactory factory)
    : IClassFixture<IdentityServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private const string Password = "silver orchard 35 wrens";

    private HttpClient Browser()
    {
        var http = factory.CreateClient(
            new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        http.DefaultRequestHeaders.Add(IdentityServiceFactory.ClientAddressHeader,
            IdentityServiceFactory.ClientAddress);
        return http;
    }

    private static async Task<(HttpStatusCode Status, string Page)> SubmitAsync(
        HttpClient browser, Dictionary<string, string> fields)
    {
        var form = await browser.GetStringAsync(new Uri("/account/sign-up", UriKind.Relative));
        var antiforgery = AntiforgeryField().Match(form);
        Assert.True(antiforgery.Success, form);
        fields[antiforgery.Groups["name"].Value] = WebUtility.HtmlDecode(antiforgery.Groups["value"].Value);
        using var content = new FormUrlEncodedContent(fields);
        using var response = await browser.PostAsync(new Uri("/account/sign-up", UriKind.Relative), content);
        return (response.StatusCode, WebUtility.HtmlDecode(await response.Content.ReadAsStringAsync()));
    }

    [Fact]
    public async Task A_visitor_creates_an_account_from_the_sign_in_page_and_signs_in_with_it()
    {
        using var browser = Browser();
        var login = $"page.{Guid.NewGuid():N}"[..20];

        var signIn = await browser.GetStringAsync(new Uri("/account/login", UriKind.Relative));
        var (created, page) = await SubmitAsync(browser, new()
        {
            ["login"] = login, ["email"] = $"{login}@example.com", ["firstName"] = "Lena", ["lastName"] = "Park",
            ["password"] = Password,
        });
        var (again, againPage) = await SubmitAsync(browser, new()
        {
            ["login"] = login, ["email"] = $"other.{login}@example.com", ["firstName"] = "Lena", ["lastName"] = "Park",
            ["password"] = Password,
        });
        var tokens = await factory.NewBrowser().SignInAsync(login, Password);

        Assert.Contains("href=\"/account/sign-up\"", signIn, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, created);
        Assert.Contains("Your account is ready", page, StringComparison.Ordinal);
        Assert.Contains($"{login}@example.com", page, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, again);
        Assert.Contains("role=\"alert\"", againPage, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(tokens.AccessToken));
    }

    [Fact]
    public async Task Every_refused_field_is_named_at_once_and_nothing_is_stored()
    {
        using var browser = Browser();

        var (status, page) = await SubmitAsync(browser, new()
        {
            ["login"] = "x",
            ["email"] = "nope",
            ["firstName"] = "",
            ["lastName"] = "Park",
            ["password"] = "password"
        });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("Billing login:", page, StringComparison.Ordinal);
        Assert.Contains("Email: A valid email address.", page, StringComparison.Ordinal);
        Assert.Contains("First name: Required.", page, StringComparison.Ordinal);
        Assert.Contains("Password: This password is among the most commonly used ones", page, StringComparison.Ordinal);
        Assert.DoesNotContain("value=\"password\"", page, StringComparison.Ordinal);
        await using var scope = factory.Services.CreateAsyncScope();
        Assert.False(await scope.ServiceProvider
            .GetRequiredService<IdentityServiceDbContext>().Users
            .AnyAsync(a => a.UserName == "x"));
    }

    [Theory]
    [InlineData("/account/sign-up", "firstName", "Ana\u202eLee", "firstName")]
    [InlineData("/account/password-reset", "account", "ana\u202elee", "account")]
    [InlineData("/account/login", "login", "ana\u0007lee", "login")]
    [InlineData("/account/sign-up", "lastName", "Lee\u0000", "form")] // the framework's form reader refuses NUL itself
    [InlineData("/account/login", "login", "ana\u0000lee", "form")]
    public async Task A_control_character_in_a_form_field_is_a_400_naming_it_and_nothing_is_stored(
        string path, string field, string value, string named)
    {
        using var browser = Browser();
        var login = $"ctl.{Guid.NewGuid():N}"[..20];
        var fields = new Dictionary<string, string>
        {
            ["login"] = login, ["email"] = $"{login}@example.com", ["firstName"] = "Ana", ["lastName"] = "Lee",
            ["password"] = Password,
            ["account"] = login, ["returnUrl"] = "/",
        };
        fields[field] = value;
        var form = await browser.GetStringAsync(new Uri(path, UriKind.Relative));
        var antiforgery = AntiforgeryField().Match(form);
        fields[antiforgery.Groups["name"].Value] = WebUtility.HtmlDecode(antiforgery.Groups["value"].Value);

        using var content = new FormUrlEncodedContent(fields);
        using var response = await browser.PostAsync(new Uri(path, UriKind.Relative), content);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(body.Contains("invalid_parameter", StringComparison.Ordinal), body);
        Assert.True(body.Contains($"\"parameter\":\"{named}\"", StringComparison.Ordinal), body);
        await using var scope = factory.Services.CreateAsyncScope();
        Assert.False(await scope.ServiceProvider
            .GetRequiredService<IdentityServiceDbContext>().Users
            .AnyAsync(a => a.UserName == login));
    }

    [GeneratedRegex(
        "<input[^>]*name=\"(?<name>__RequestVerificationToken[^\"]*)\"[^>]*value=\"(?<value>[^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
