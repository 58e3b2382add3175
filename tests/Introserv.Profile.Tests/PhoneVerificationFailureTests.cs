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
        var accountId = await factory.RegisterAsync();
        using var http = factory.Customer(accountId);
        using var saved = await http.PutAsJsonAsync(
            "/api/profile", ProfileServiceFactory.CompleteProfile("+359888123456"));
        await Expect.StatusAsync(HttpStatusCode.OK, saved);
        const string Warning = "A phone verification call to the Verification service failed";

        using var refused = await http.PostAsJsonAsync("/api/profile/phone/verification", new { channel = "fax" });
        await Expect.StatusAsync(HttpStatusCode.BadRequest, refused);
        Assert.DoesNotContain(factory.Logs.AtLeast(LogLevel.Warning), line => line.Contains(Warning));

        using var failed = await http.PostAsJsonAsync("/api/profile/phone/verification", new { channel = "sms" });

        await Expect.StatusAsync(HttpStatusCode.ServiceUnavailable, failed);
        Assert.Equal("challenge_store_unavailable",
            (await failed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.NotNull(failed.Headers.RetryAfter);
        var warning = Assert.Single(factory.Logs.AtLeast(LogLevel.Warning), line => line.Contains(Warning));
        Assert.Contains("Unavailable, code challenge_store_unavailable", warning, StringComparison.Ordinal);
    }
}
