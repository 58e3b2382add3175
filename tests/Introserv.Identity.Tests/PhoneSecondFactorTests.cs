using Introserv.Identity.Data;

namespace Introserv.Identity.Tests;

// The verified phone as a second factor of its own, with Verification unreachable (a closed port; the whole flow with
// a real call runs in the end-to-end tests): it cannot be turned on unchecked, an account that has it is asked for it
// at sign-in and no free-standing code passes for it, and turning the second factor off removes it.
public sealed class PhoneSecondFactorTests(IdentityServiceFactory factory)
    : IClassFixture<IdentityServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task It_cannot_be_turned_on_while_the_verified_phone_cannot_be_checked()
    {
        var (_, login, password) = await factory.RegisterAsync();
        using var api = factory.Api((await factory.NewBrowser().SignInAsync(login, password)).AccessToken);

        using var response = await api.PutAsJsonAsync("/api/account/two-factor/phone", new { enabled = true });
        var overview = await api.GetFromJsonAsync<JsonElement>("/api/account/security");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.False(overview.GetProperty("twoFactor").GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task An_account_with_it_is_asked_for_it_and_no_code_passes_while_no_code_can_be_sent()
    {
        var (id, login, password) = await factory.RegisterAsync();
        using var before = factory.Api((await factory.NewBrowser().SignInAsync(login, password)).AccessToken);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<IdentityServiceDbContext>().Users
                .Where(a => a.Id == id)
                .ExecuteUpdateAsync(u => u.SetProperty(a => a.PhoneSecondFactorAt, DateTimeOffset.UtcNow));
        }

        var browser = factory.NewBrowser();
        await browser.OpenLoginPageAsync();
        using var credentials = await browser.SubmitCredentialsAsync(login, password);
        using var page = await browser.Http.GetAsync(credentials.Headers.Location);
        var html = await page.Content.ReadAsStringAsync();
        // The page has no form to post; a post made with the sign-in page's form token is refused all the same.
        using var guessed = await browser.SubmitPhoneCodeAsync("1234");
        var overview = await before.GetFromJsonAsync<JsonElement>("/api/account/security");
        using var stepUp = await before.PostAsJsonAsync("/api/account/step-up", new { code = "123456" });
        using var off = await before.DeleteAsync(new Uri("/api/account/two-factor", UriKind.Relative));
        var after = await before.GetFromJsonAsync<JsonElement>("/api/account/security");

        Assert.Equal(HttpStatusCode.Redirect, credentials.StatusCode);
        Assert.EndsWith(
            "/account/login/second-factor", credentials.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Contains("cannot be reached", html, StringComparison.Ordinal);
        Assert.DoesNotContain("authenticator app", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, guessed.StatusCode);
        Assert.True(overview.GetProperty("twoFactor").GetProperty("enabled").GetBoolean());
        Assert.Equal(["phone"],
            overview.GetProperty("twoFactor").GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(HttpStatusCode.BadRequest, stepUp.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, off.StatusCode);
        Assert.False(after.GetProperty("twoFactor").GetProperty("enabled").GetBoolean());
    }
}
