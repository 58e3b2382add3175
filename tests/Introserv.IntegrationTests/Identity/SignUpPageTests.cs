using System.Net;
using System.Text.RegularExpressions;
using Introserv.Identity.Data;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Introserv.IntegrationTests.Identity;

/// <summary>"Create an account" in the browser: the sign-in page links to it, and it runs the API's registration rules.</summary>
public sealed partial class SignUpPageTests(IdentityServiceFactory factory) : IClassFixture<IdentityServiceFactory>
{
    private const string Password = "silver orchard 35 wrens";

    private HttpClient Browser()
    {
        var http = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        http.DefaultRequestHeaders.Add(IdentityServiceFactory.ClientAddressHeader, IdentityServiceFactory.DefaultClientAddress);
        return http;
    }

    private static async Task<(HttpStatusCode Status, string Page)> SubmitAsync(HttpClient browser, Dictionary<string, string> fields)
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
            ["login"] = login, ["email"] = $"{login}@example.com", ["firstName"] = "Lena", ["lastName"] = "Park", ["password"] = Password,
        });
        var (again, againPage) = await SubmitAsync(browser, new()
        {
            ["login"] = login, ["email"] = $"other.{login}@example.com", ["firstName"] = "Lena", ["lastName"] = "Park", ["password"] = Password,
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

        var (status, page) = await SubmitAsync(browser, new() { ["login"] = "x", ["email"] = "nope", ["firstName"] = "", ["lastName"] = "Park", ["password"] = "password" });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("Billing login:", page, StringComparison.Ordinal);
        Assert.Contains("Email: A valid email address.", page, StringComparison.Ordinal);
        Assert.Contains("First name: Required.", page, StringComparison.Ordinal);
        Assert.Contains("Password: This password is among the most commonly used ones", page, StringComparison.Ordinal);
        Assert.DoesNotContain("value=\"password\"", page, StringComparison.Ordinal);
        await using var scope = factory.Services.CreateAsyncScope();
        Assert.False(await scope.ServiceProvider.GetRequiredService<IdentityServiceDbContext>().Users.AnyAsync(a => a.UserName == "x"));
    }

    [GeneratedRegex("<input type=\"hidden\" name=\"(?<name>__RequestVerificationToken[^\"]*)\" value=\"(?<value>[^\"]+)\">")]
    private static partial Regex AntiforgeryField();
}
