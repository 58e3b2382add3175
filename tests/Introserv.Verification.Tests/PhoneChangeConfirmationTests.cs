using Introserv.Identity.Contracts;
using static Introserv.Verification.Tests.VerificationClient;

namespace Introserv.Verification.Tests;

// While the account confirms sensitive operations by call (Identity's CallConfirmationChanged, through RabbitMQ), its
// verified phone cannot be replaced without a call to it: otherwise a stolen session would verify its own number and
// receive every later confirmation call.
public sealed class PhoneChangeConfirmationTests(VerificationServiceFactory factory)
    : IClassFixture<VerificationServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Replacing_the_verified_phone_needs_a_change_phone_token_from_a_call_to_it()
    {
        using var customer = factory.NewCustomer(out var accountId);
        var phone = NewMobile();
        var verify = await customer.StartPhoneAsync(phone);
        await customer.ConfirmAsync(verify, factory.Telephony.LastCode(verify));
        await factory.PublishAndAwaitAsync(
            new CallConfirmationChanged(Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, true, "203.0.113.7"));
        // An older "off" arriving late changes nothing.
        await factory.PublishAndAwaitAsync(new CallConfirmationChanged(
            Guid.NewGuid(), DateTimeOffset.UtcNow.AddMinutes(-5), accountId, false, "203.0.113.7"));
        var attackers = NewMobile();

        var (refused, problem) = await customer.StartAsync("phone", "sms", attackers);
        var (same, _) = await customer.StartAsync("phone", "sms", phone);
        var stepUp = (await customer.StartAsync("step_up", "call", operation: "change_phone")).Body
            .GetProperty("id").GetGuid();
        var token = (await customer.ConfirmAsync(stepUp, factory.Telephony.LastCode(stepUp))).Body
            .GetProperty("stepUpToken").GetString()!;
        var (withToken, _) = await StartWithTokenAsync(customer, attackers, token);
        var (reused, reusedProblem) = await StartWithTokenAsync(customer, NewMobile(), token);

        Assert.Equal((HttpStatusCode.Forbidden, "step_up_required"), (refused, CodeOf(problem)));
        Assert.Equal("change_phone", problem.GetProperty("operation").GetString());
        Assert.Contains("call", problem.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(HttpStatusCode.Created, same);
        Assert.Equal(HttpStatusCode.Created, withToken);
        Assert.Equal((HttpStatusCode.Forbidden, "step_up_required"), (reused, CodeOf(reusedProblem)));
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> StartWithTokenAsync(
        VerificationClient customer, string phone, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/verification/challenges")
        {
            Content = JsonContent.Create(new { purpose = "phone", channel = "sms", phone }),
        };
        request.Headers.Add("Step-Up-Token", token);
        using var response = await customer.Http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }
}
