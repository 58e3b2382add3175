using System.Net.Http.Headers;
using System.Text.RegularExpressions;
using Aspire.Hosting.Testing;

namespace Introserv.EndToEnd.Tests;

// Identity → Profile → Notifications → SMTP: the welcome mail, then an email change confirmed by following the
// link from the mail caught by the development mail catcher, and the notice to the old address.
[Collection(StackDefinition.Name)]
public sealed partial class EmailChangeThroughGatewayTests(StackFixture stack)
{
    private const string Password = "amber ridge 73 kites";

    [Fact]
    public async Task A_customer_changes_the_email_by_the_link_in_the_mail_and_the_old_address_is_told()
    {
        var login = $"mail.{Guid.NewGuid():N}"[..20];
        var oldEmail = $"{login}@example.com";
        var newEmail = $"{login}.new@example.org";
        await stack.RegisterAsync(login, Password, "Lena", "Berg", oldEmail);

        using var mail = stack.App.CreateHttpClient(ResourceNames.MailDev, ResourceNames.HttpEndpoint);
        var welcome = await StackFixture.WaitForMailAsync(mail, oldEmail, "Welcome to Introserv");
        Assert.Contains(login, welcome.GetProperty("text").GetString(), StringComparison.Ordinal);

        using var api = stack.CreateGatewayClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            (await stack.NewBrowser().SignInAsync(login, Password)).AccessToken);
        await StackFixture.WaitForProfileAsync(api);
        var settings = await api.GetFromJsonAsync<JsonElement>("/api/notifications/settings");
        Assert.Equal(oldEmail, settings.GetProperty("emails").GetProperty("invoicesOrders").GetString());

        using var requested = await api.PostAsJsonAsync("/api/profile/email-change", new { newEmail });
        await Expect.StatusAsync(HttpStatusCode.Accepted, requested);
        var confirmation = await StackFixture.WaitForMailAsync(mail, newEmail, "Confirm your new email address");
        var link = new Uri(LinkPattern().Match(confirmation.GetProperty("text").GetString()!).Value);
        var token = Uri.UnescapeDataString(link.Query.TrimStart('?').Split('=', 2)[1]);

        // The front end's confirmation page posts the token from the link.
        using var confirmed = await api.PostAsJsonAsync("/api/profile/email-change/confirm", new { token });
        await Expect.StatusAsync(HttpStatusCode.OK, confirmed);
        var profile = await confirmed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((newEmail, true),
            (profile.GetProperty("email").GetString(), profile.GetProperty("emailConfirmed").GetBoolean()));
        using var again = await api.PostAsJsonAsync("/api/profile/email-change/confirm", new { token });
        await Expect.StatusAsync(HttpStatusCode.Conflict, again);

        var notice = await StackFixture.WaitForMailAsync(mail, oldEmail, "Your email address was changed");
        Assert.Contains(newEmail, notice.GetProperty("text").GetString(), StringComparison.Ordinal);
        Assert.True(
            await Eventually.TrueAsync(async () => (await api
                    .GetFromJsonAsync<JsonElement>("/api/notifications/settings"))
                .GetProperty("emails")
                .GetProperty("account")
                .GetString() == newEmail, TimeSpan.FromSeconds(20)),
            "the notification settings did not follow the new address");

        var log = await api.GetFromJsonAsync<JsonElement>("/api/notifications");
        Assert.Contains(log.GetProperty("items").EnumerateArray(),
            e => e.GetProperty("type").GetString() == "email_change_confirmation");
    }

    [GeneratedRegex(@"https?://\S+(email-change/confirm|account/email-confirmation)\?token=\S+")]
    private static partial Regex LinkPattern();
}
