using System.Security.Cryptography;
using Aspire.Hosting.Testing;

namespace Introserv.EndToEnd.Tests;

// The Personal Information section through the gateway: Identity → event → Profile, Profile → gRPC →
// Verification.
[Collection(StackDefinition.Name)]
public sealed class ProfileThroughGatewayTests(StackFixture stack)
{
    private const string Password = "quiet meadow 41 lanterns";

    [Fact]
    public async Task A_new_customer_fills_in_the_profile_verifies_the_phone_and_support_changes_the_country()
    {
        var login = $"prof.{Guid.NewGuid():N}"[..20];
        await stack.RegisterAsync(login, Password, "Мария", "Иванова");

        using var api = stack.Api((await stack.NewBrowser().SignInAsync(login, Password)).AccessToken);
        var (profile, etag) = await StackFixture.WaitForProfileAsync(api);
        Assert.False(string.IsNullOrEmpty(etag));
        Assert.Equal("Мария", profile.GetProperty("firstName").GetString());
        var phone = $"+35989{RandomNumberGenerator.GetInt32(1_000_000, 9_999_999)}";

        using var saved = await api.PutAsJsonAsync("/api/profile", new
        {
            firstName = "Мария",
            lastName = "Иванова",
            city = "Пловдив",
            address = "бул. Марица 5",
            phone,
            country = "BG",
            profileType = "individual",
            postalAddress = new
            {
                recipient = "Мария Иванова",
                street = "бул. Марица 5",
                city = "Пловдив",
                postalCode = "4000",
                country = "BG"
            },
            version = profile.GetProperty("version").GetInt32(),
        });
        await Expect.StatusAsync(HttpStatusCode.OK, saved);
        var afterSave = await saved.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(afterSave.GetProperty("billing").GetProperty("mayPayInvoices").GetBoolean());

        using var started = await api.PostAsJsonAsync("/api/profile/phone/verification", new { channel = "sms" });
        await Expect.StatusAsync(HttpStatusCode.OK, started);
        var challengeId = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("challengeId").GetGuid();
        using var telephony = stack.App.CreateHttpClient(ResourceNames.TelephonyDev, ResourceNames.HttpEndpoint);
        var messages = await telephony.GetFromJsonAsync<JsonElement>($"/api/messages?to={Uri.EscapeDataString(phone)}");
        var code = messages.EnumerateArray()
            .First(m => m.GetProperty("reference").GetString() == challengeId.ToString())
            .GetProperty("code")
            .GetString();
        using var confirmed = await api.PostAsJsonAsync(
            $"/api/profile/phone/verification/{challengeId}/confirm", new { code });
        await Expect.StatusAsync(HttpStatusCode.OK, confirmed);
        var verified = await confirmed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(verified.GetProperty("phoneVerified").GetBoolean());

        using var countryChange = await api.PutAsJsonAsync("/api/profile", new
        {
            firstName = "Мария", lastName = "Иванова", city = "Пловдив",
            address = "бул. Марица 5", phone, country = "RO",
            version = verified.GetProperty("version").GetInt32(),
        });
        await Expect.StatusAsync(HttpStatusCode.Forbidden, countryChange);
        Assert.Equal("country_change_requires_support",
            (await countryChange.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());

        // The development support account (Identity's Development configuration).
        using var staff = stack.Api(
            (await stack.NewBrowser().SignInAsync("support", "local-support-only-2026")).AccessToken);
        var accountId = profile.GetProperty("accountId").GetGuid();
        using var byStaff = await staff.PutAsJsonAsync($"/api/staff/profiles/{accountId}/country",
            new { country = "RO", reason = "Customer relocated, ticket 1001" });
        await Expect.StatusAsync(HttpStatusCode.OK, byStaff);
        using var customerAsStaff = await api.GetAsync($"/api/staff/profiles/{accountId}");
        await Expect.StatusAsync(HttpStatusCode.Forbidden, customerAsStaff);

        var audit = await api.GetFromJsonAsync<JsonElement>("/api/profile/audit");
        var country = audit.GetProperty("items")
            .EnumerateArray()
            .First(e => e.GetProperty("field").GetString() == "country"
                && e.GetProperty("actor").GetString() == "staff");
        Assert.Equal("RO", country.GetProperty("newValue").GetString());
        Assert.Equal("127.0.0.1", country.GetProperty("ip").GetString());
    }
}
