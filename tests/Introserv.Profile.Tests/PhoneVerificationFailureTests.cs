using Introserv.Verification.Tests;
using Microsoft.Extensions.Logging;

namespace Introserv.Profile.Tests;

// Verification fails (its challenge store is down) rather than refusing the request: the customer gets its 503 with
// the code and a Retry-After, and Profile logs a warning naming the gRPC status and the code, so operators can tell
// which component failed. A refusal of the request itself (a 4xx) is the customer's business and logs no warning.
public sealed class PhoneVerificationFailureTests(PhoneVerificationFailureTests.VerificationDown factory)
    : IClassFixture<PhoneVerificationFailureTests.VerificationDown>, IAsyncLifetime
{
    // Profile calling a Verification service whose Redis is unreachable.
    public sealed class VerificationDown : ProfileServiceFactory
    {
        protected override VerificationServiceFactory CreateVerification() => new VerificationOutageTests.RedisDown();
    }

    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_failing_verification_answers_503_and_logs_a_warning_a_refusal_does_not()
    {
        const string Warning = "A phone verification call to the Verification service failed";
        int Warnings() => factory.Logs.AtLeast(LogLevel.Warning).Count(line => line.Contains(Warning));
        var before = Warnings();

        // Verification refuses a premium-rate number (before it needs its challenge store): no warning.
        using var refused = await StartVerificationAsync("+44 909 879 0000");
        await Expect.StatusAsync(HttpStatusCode.BadRequest, refused);
        Assert.Equal("phone_number_type_not_allowed",
            (await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(before, Warnings());

        using var failed = await StartVerificationAsync("+359888123456");

        await Expect.StatusAsync(HttpStatusCode.ServiceUnavailable, failed);
        Assert.Equal("challenge_store_unavailable",
            (await failed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal("5", failed.Headers.GetValues("Retry-After").Single());
        Assert.Equal(before + 1, Warnings());
        Assert.Contains(factory.Logs.AtLeast(LogLevel.Warning),
            line => line.Contains(Warning) && line.Contains("Unavailable, code challenge_store_unavailable"));
    }

    // A new customer with phone in a complete profile asks to verify it by SMS.
    private async Task<HttpResponseMessage> StartVerificationAsync(string phone)
    {
        using var http = factory.Customer(await factory.RegisterAsync());
        using var saved = await http.PutAsJsonAsync("/api/profile", ProfileServiceFactory.CompleteProfile(phone));
        await Expect.StatusAsync(HttpStatusCode.OK, saved);
        return await http.PostAsJsonAsync("/api/profile/phone/verification", new { channel = "sms" });
    }
}
