using System.Net.Http.Headers;
using Aspire.Hosting.Testing;

namespace Introserv.EndToEnd.Tests;

// A customer locked out by their own allow-list calls support: through the gateway, staff check the security code
// the customer reads out, clear the list with a reason, the customer is let in again and gets a mail saying why.
[Collection(StackDefinition.Name)]
public sealed class SupportDeskThroughGatewayTests(StackFixture stack)
{
    private const string Password = "amber meadow 63 foxes";
    private const string SecurityCode = "quiet-river-27";
    private const string Reason = "Caller verified by security code; locked out after moving office";

    [Fact]
    public async Task Support_lets_a_locked_out_customer_in_again_after_checking_the_security_code()
    {
        var login = $"desk.{Guid.NewGuid():N}"[..20];
        var email = $"{login}@example.com";
        await stack.RegisterAsync(login, Password, "Ida", "Marsh", email);

        using var customer = stack.CreateGatewayClient();
        customer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            (await stack.NewBrowser().SignInAsync(login, Password)).AccessToken);
        var accountId = (await customer.GetFromJsonAsync<JsonElement>("/api/account/security"))
            .GetProperty("accountId")
            .GetGuid();
        using (var code = await customer.PutAsJsonAsync("/api/account/security-code", new { code = SecurityCode }))
        {
            await Expect.StatusAsync(HttpStatusCode.NoContent, code);
        }

        using (var list = await customer.PutAsJsonAsync("/api/account/ip-allow-list",
            new { entries = new[] { "203.0.113.0/24" }, confirmLockOut = true }))
        {
            await Expect.StatusAsync(HttpStatusCode.OK, list);
        }

        await UntilAsync(customer, HttpStatusCode.Forbidden, "the gateway did not apply the customer's allow-list");

        using var staff = stack.CreateGatewayClient();
        staff.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            (await stack.NewBrowser().SignInAsync("support", "local-support-only-2026")).AccessToken);
        using var refused = await staff.PostAsJsonAsync($"/api/staff/accounts/{accountId}/ip-allow-list/clear",
            new { reason = Reason });
        using var check = await staff.PostAsJsonAsync($"/api/staff/accounts/{accountId}/security-code/check",
            new { code = SecurityCode });
        using var cleared = await staff.PostAsJsonAsync($"/api/staff/accounts/{accountId}/ip-allow-list/clear",
            new { reason = Reason });

        await Expect.StatusAsync(HttpStatusCode.Forbidden, refused);
        Assert.Equal("match", (await check.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("result").GetString());
        await Expect.StatusAsync(HttpStatusCode.OK, cleared);
        await UntilAsync(customer, HttpStatusCode.OK,
            "the customer was not let in again after support cleared the list");

        using var mail = stack.App.CreateHttpClient(ResourceNames.MailDev, ResourceNames.HttpEndpoint);
        Assert.True(
            await Eventually.TrueAsync(async () =>
                (await mail.GetFromJsonAsync<JsonElement>($"/api/messages?to={Uri.EscapeDataString(email)}"))
                    .EnumerateArray()
                    .Any(m => m.GetProperty("text").GetString()!.Contains(Reason, StringComparison.Ordinal)),
                TimeSpan.FromSeconds(30)),
            "the customer was not mailed support's reason");

        var audit = await customer.GetFromJsonAsync<JsonElement>("/api/account/audit?limit=50");
        Assert.Contains(audit.GetProperty("items").EnumerateArray(),
            e => e.GetProperty("action").GetString() == "ip_allow_list_cleared_by_support");
        Assert.DoesNotContain(SecurityCode, audit.ToString(), StringComparison.Ordinal);
    }

    private static async Task UntilAsync(HttpClient customer, HttpStatusCode expected, string failure)
    {
        var status = await Eventually.ValueAsync(
            async () =>
            {
                using var response = await customer.GetAsync(new Uri("/api/account/security", UriKind.Relative));
                return response.StatusCode;
            },
            s => s == expected,
            TimeSpan.FromSeconds(20));
        Assert.True(status == expected, $"{failure} (still {status})");
    }
}
