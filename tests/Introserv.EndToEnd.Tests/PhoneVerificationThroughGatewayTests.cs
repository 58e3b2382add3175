using System.Net.Http.Headers;
using System.Security.Cryptography;
using Aspire.Hosting.Testing;

namespace Introserv.EndToEnd.Tests;

// A customer verifies a phone through the gateway, as a front end would, reading the code where a developer
// would during a local run: the development telephony gateway's message list.
[Collection(StackDefinition.Name)]
public sealed class PhoneVerificationThroughGatewayTests(StackFixture stack)
{
    [Fact]
    public async Task A_customer_verifies_a_phone_by_call_with_the_sms_fallback_then_confirms_a_sensitive_change()
    {
        using var api = stack.CreateGatewayClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            await stack.CustomerTokenAsync());
        using var telephony = stack.App.CreateHttpClient(ResourceNames.TelephonyDev, ResourceNames.HttpEndpoint);
        var phone = $"+35987{RandomNumberGenerator.GetInt32(1_000_000, 9_999_999)}";

        // A flash call: the code is the last four digits of the calling number.
        var call = await StartAsync(api, new { purpose = "phone", channel = "call", phone });
        Assert.Equal("flash_call", call.GetProperty("delivery").GetString());
        var callCode = await LastCodeAsync(telephony, phone, "call-primary");
        Assert.Matches("^[0-9]{4}$", callCode);

        // The SMS primary gateway is down: the secondary delivers.
        await SetModeAsync(telephony, "sms-primary", "fail");
        JsonElement sms;
        try
        {
            sms = await StartAsync(api, new { purpose = "phone", channel = "sms", phone });
        }
        finally
        {
            await SetModeAsync(telephony, "sms-primary", "deliver");
        }

        Assert.Equal("secondary", sms.GetProperty("gateway").GetString());
        Assert.Matches("^[0-9]{6}$", await LastCodeAsync(telephony, phone, "sms-secondary"));

        using var wrong = await api.PostAsJsonAsync(
            $"/api/verification/challenges/{call.GetProperty("id").GetGuid()}/confirm",
            new { code = callCode == "0000" ? "0001" : "0000" });
        using var confirmed = await api.PostAsJsonAsync(
            $"/api/verification/challenges/{call.GetProperty("id").GetGuid()}/confirm", new { code = callCode });
        var verified = await api.GetFromJsonAsync<JsonElement>("/api/verification/phone");

        await Expect.StatusAsync(HttpStatusCode.BadRequest, wrong);
        Assert.Equal("application/problem+json", wrong.Content.Headers.ContentType?.MediaType);
        Assert.Equal("invalid_code",
            (await wrong.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        await Expect.StatusAsync(HttpStatusCode.OK, confirmed);
        Assert.Equal(phone, verified.GetProperty("phone").GetString());

        // A sensitive operation is confirmed with a code sent to the verified phone.
        var stepUp = await StartAsync(api,
            new { purpose = "step_up", channel = "sms", operation = "change_ip_allow_list" });
        var stepUpCode = await LastCodeAsync(telephony, phone, "sms-primary");
        using var stepUpConfirmed = await api.PostAsJsonAsync(
            $"/api/verification/challenges/{stepUp.GetProperty("id").GetGuid()}/confirm", new { code = stepUpCode });
        await Expect.StatusAsync(HttpStatusCode.OK, stepUpConfirmed);
        Assert.False(string.IsNullOrEmpty(
            (await stepUpConfirmed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("stepUpToken").GetString()));
    }

    [Fact]
    public async Task Verification_needs_a_token_at_the_gateway()
    {
        using var anonymous = stack.CreateGatewayClient();

        using var response = await anonymous.PostAsJsonAsync("/api/verification/challenges",
            new { purpose = "phone", channel = "sms", phone = "+359881234567" });

        await Expect.StatusAsync(HttpStatusCode.Unauthorized, response);
    }

    private static async Task<JsonElement> StartAsync(HttpClient api, object request)
    {
        using var response = await api.PostAsJsonAsync("/api/verification/challenges", request);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {body}");
        Assert.DoesNotContain("code\":\"", body.ToString(), StringComparison.Ordinal);
        return body;
    }

    private static async Task<string> LastCodeAsync(HttpClient telephony, string phone, string gateway)
    {
        var messages = await telephony.GetFromJsonAsync<JsonElement>($"/api/messages?to={Uri.EscapeDataString(phone)}");
        var last = messages.EnumerateArray()
            .First(m => m.GetProperty("gateway").GetString() == gateway
                && m.GetProperty("outcome").GetString() == "delivered");
        return last.GetProperty("code").GetString()!;
    }

    private static async Task SetModeAsync(HttpClient telephony, string gateway, string mode)
    {
        using var response = await telephony.PutAsJsonAsync($"/gateways/{gateway}/mode", new { mode });
        await Expect.StatusAsync(HttpStatusCode.NoContent, response);
    }
}
