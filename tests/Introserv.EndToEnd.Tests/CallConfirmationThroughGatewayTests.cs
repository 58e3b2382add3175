using System.Net.Http.Headers;
using System.Security.Cryptography;
using Aspire.Hosting.Testing;

namespace Introserv.EndToEnd.Tests;

// The seed's Call Password Verification, as a customer meets it through the gateway: with "confirm sensitive
// operations by call" on, an allow-list change is refused until a call confirms it; the customer types the last four
// digits of the calling number (read here from the development telephony gateway), and the token confirms that one
// change once. Orders and Notifications ask Identity over gRPC for their own sensitive operations.
[Collection(StackDefinition.Name)]
public sealed class CallConfirmationThroughGatewayTests(StackFixture stack)
{
    private const string StepUpHeader = "Step-Up-Token";

    [Fact]
    public async Task A_customer_confirms_an_allow_list_change_by_call_and_the_token_works_once_even_in_a_race()
    {
        const string password = "granite harbour 55 owls";
        var login = $"call.{Guid.NewGuid():N}"[..20];
        await stack.RegisterAsync(login, password, "Call", "Customer");
        using var api = stack.CreateGatewayClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Bearer", (await stack.NewBrowser().SignInAsync(login, password)).AccessToken);
        using var telephony = stack.App.CreateHttpClient(ResourceNames.TelephonyDev, ResourceNames.HttpEndpoint);
        var phone = $"+35988{RandomNumberGenerator.GetInt32(1_000_000, 9_999_999)}";

        // Without a verified phone the setting cannot be turned on.
        using var noPhone = await api.PutAsJsonAsync("/api/account/call-confirmation", new { enabled = true });
        await AssertProblemAsync(noPhone, HttpStatusCode.Conflict, "phone_not_verified");

        var verify = await StartAsync(api, new { purpose = "phone", channel = "call", phone });
        await ConfirmAsync(api, verify, await LastCodeAsync(telephony, phone, "call-primary"));

        // The sign-in is recent: turning it on needs no further proof.
        using var turnedOn = await api.PutAsJsonAsync("/api/account/call-confirmation", new { enabled = true });
        await Expect.StatusAsync(HttpStatusCode.OK, turnedOn);
        var security = await api.GetFromJsonAsync<JsonElement>("/api/account/security");
        Assert.True(security.GetProperty("callConfirmation").GetProperty("enabled").GetBoolean());

        // Refused without a token, naming the call.
        var list = new { entries = Array.Empty<string>() };
        using var refused = await api.PutAsJsonAsync("/api/account/ip-allow-list", list);
        var problem = await AssertProblemAsync(refused, HttpStatusCode.Forbidden, "step_up_required");
        Assert.Contains("call", problem.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal("change_ip_allow_list", problem.GetProperty("operation").GetString());

        // A flash call: the customer types the last four digits of the calling number.
        var call = await StartAsync(
            api, new { purpose = "step_up", channel = "call", operation = "change_ip_allow_list" });
        Assert.Equal("flash_call", call.GetProperty("delivery").GetString());
        var digits = await LastCodeAsync(telephony, phone, "call-primary");
        Assert.Matches("^[0-9]{4}$", digits);
        var token = await ConfirmAsync(api, call, digits);

        // A token for another operation does not do (and is spent by the attempt).
        var other = await StepUpTokenAsync(api, telephony, phone, "change_password");
        using var wrongOperation = await SendAsync(api, HttpMethod.Put, "/api/account/ip-allow-list", list, other);
        var wrong = await AssertProblemAsync(wrongOperation, HttpStatusCode.Forbidden, "step_up_required");
        Assert.Equal("other_operation", wrong.GetProperty("reason").GetString());

        // Twenty requests at once with the one token: exactly one change goes through.
        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var response = await SendAsync(api, HttpMethod.Put, "/api/account/ip-allow-list", list, token);
            return (response.StatusCode, Body: await response.Content.ReadFromJsonAsync<JsonElement>());
        }));
        Assert.Single(answers, a => a.StatusCode == HttpStatusCode.OK);
        Assert.All(answers.Where(a => a.StatusCode != HttpStatusCode.OK), a =>
        {
            Assert.Equal(HttpStatusCode.Forbidden, a.StatusCode);
            Assert.Equal("unknown_or_used", a.Body.GetProperty("reason").GetString());
        });
        var version = (await api.GetFromJsonAsync<JsonElement>("/api/account/security"))
            .GetProperty("ipAllowList").GetProperty("version").GetInt64();
        Assert.Equal(1, version);

        // Notifications asks Identity (gRPC) before a change of address; the SMS is the alternative to the call.
        var (settings, _) = await WaitForSettingsAsync(api);
        var addresses = new
        {
            invoicesOrders = $"billing.{login}@example.com",
            version = settings.GetProperty("version").GetInt32(),
        };
        using var addressRefused = await api.PutAsJsonAsync("/api/notifications/settings", addresses);
        await AssertProblemAsync(addressRefused, HttpStatusCode.Forbidden, "step_up_required");
        var smsToken = await StepUpTokenAsync(api, telephony, phone, "change_notification_addresses");
        using var addressChanged = await SendAsync(
            api, HttpMethod.Put, "/api/notifications/settings", addresses, smsToken);
        await Expect.StatusAsync(HttpStatusCode.OK, addressChanged);

        // Orders asks Identity (gRPC) before a charge above the confirmation amount.
        using var order = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
        {
            Content = JsonContent.Create(OrderForms.Body("ds-epyc", 1)),
        };
        order.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var orderRefused = await api.SendAsync(order);
        var orderProblem = await AssertProblemAsync(orderRefused, HttpStatusCode.Forbidden, "step_up_required");
        Assert.Equal("confirm_order", orderProblem.GetProperty("operation").GetString());

        // A stolen session cannot move the calls to its own number: replacing the verified phone needs a call to it.
        // Verification learns of the setting from Identity's event, long since arrived by now (at most three tries,
        // within the account's hourly challenge limit).
        var otherPhone = $"+35988{RandomNumberGenerator.GetInt32(1_000_000, 9_999_999)}";
        JsonElement phoneProblem = default;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            using var moved = await api.PostAsJsonAsync(
                "/api/verification/challenges", new { purpose = "phone", channel = "sms", phone = otherPhone });
            phoneProblem = await moved.Content.ReadFromJsonAsync<JsonElement>();
            if (moved.StatusCode == HttpStatusCode.Forbidden)
            {
                break;
            }

            await Task.Delay(1000);
        }

        Assert.Equal("step_up_required", phoneProblem.GetProperty("code").GetString());
        Assert.Equal("change_phone", phoneProblem.GetProperty("operation").GetString());

        // Turning it off is itself confirmed by call.
        using var offRefused = await api.PutAsJsonAsync("/api/account/call-confirmation", new { enabled = false });
        await AssertProblemAsync(offRefused, HttpStatusCode.Forbidden, "step_up_required");
        var offToken = await StepUpTokenAsync(api, telephony, phone, "change_call_confirmation");
        using var off = await SendAsync(
            api, HttpMethod.Put, "/api/account/call-confirmation", new { enabled = false }, offToken);
        await Expect.StatusAsync(HttpStatusCode.OK, off);
        Assert.False((await off.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("enabled").GetBoolean());
    }

    private static async Task<string> StepUpTokenAsync(
        HttpClient api, HttpClient telephony, string phone, string operation)
    {
        var challenge = await StartAsync(api, new { purpose = "step_up", channel = "sms", operation });
        return await ConfirmAsync(api, challenge, await LastCodeAsync(telephony, phone, "sms-primary"));
    }

    private static async Task<(JsonElement Body, string? ETag)> WaitForSettingsAsync(HttpClient api)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            using var response = await api.GetAsync("/api/notifications/settings");
            if (response.StatusCode == HttpStatusCode.OK || DateTime.UtcNow > deadline)
            {
                await Expect.StatusAsync(HttpStatusCode.OK, response);
                return (await response.Content.ReadFromJsonAsync<JsonElement>(), response.Headers.ETag?.Tag);
            }

            await Task.Delay(200);
        }
    }

    private static async Task<HttpResponseMessage> SendAsync(
        HttpClient api, HttpMethod method, string path, object body, string token)
    {
        using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
        request.Headers.Add(StepUpHeader, token);
        return await api.SendAsync(request);
    }

    private static async Task<JsonElement> AssertProblemAsync(
        HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode} {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, body.GetProperty("code").GetString());
        return body;
    }

    private static async Task<JsonElement> StartAsync(HttpClient api, object request)
    {
        using var response = await api.PostAsJsonAsync("/api/verification/challenges", request);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"{(int)response.StatusCode} {body}");
        return body;
    }

    private static async Task<string> ConfirmAsync(HttpClient api, JsonElement challenge, string code)
    {
        using var response = await api.PostAsJsonAsync(
            $"/api/verification/challenges/{challenge.GetProperty("id").GetGuid()}/confirm", new { code });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode} {body}");
        return body.TryGetProperty("stepUpToken", out var token) && token.ValueKind == JsonValueKind.String
            ? token.GetString()!
            : "";
    }

    private static async Task<string> LastCodeAsync(HttpClient telephony, string phone, string gateway)
    {
        var messages = await telephony.GetFromJsonAsync<JsonElement>($"/api/messages?to={Uri.EscapeDataString(phone)}");
        return messages.EnumerateArray()
            .First(m => m.GetProperty("gateway").GetString() == gateway
                && m.GetProperty("outcome").GetString() == "delivered")
            .GetProperty("code").GetString()!;
    }
}
