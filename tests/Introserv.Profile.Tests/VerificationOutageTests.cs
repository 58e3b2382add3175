using System.Diagnostics;
using Introserv.Verification.Tests;
using Microsoft.AspNetCore.Hosting;

namespace Introserv.Profile.Tests;

// Verification with its Redis down: ready but degraded, and a clear 503 at once instead of a hang or a 500.
public sealed class VerificationOutageTests(VerificationOutageTests.RedisDown factory)
    : IClassFixture<VerificationOutageTests.RedisDown>
{
    // The service with its challenge store (Redis) unreachable.
    public sealed class RedisDown : VerificationServiceFactory
    {
        protected override IReadOnlyCollection<string> AcceptedHealth => ["Degraded"];

        protected override void ConfigureSettings(IWebHostBuilder builder) =>
            builder.UseSetting($"ConnectionStrings:{ResourceNames.Redis}",
                "127.0.0.1:9,abortConnect=false,connectTimeout=200");
    }

    [Fact]
    public async Task A_new_challenge_is_refused_at_once_with_challenge_store_unavailable()
    {
        using var http = factory.Customer(Guid.NewGuid());
        // The first request also pays for starting up (compiling its path, loading the phone-number data): it gets a
        // looser bound; the second is timed.
        var cold = Stopwatch.StartNew();
        using var first = await http.PostAsJsonAsync("/api/verification/challenges",
            new { purpose = "phone", channel = "sms", phone = "+359888123457" });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, first.StatusCode);
        Assert.True(cold.Elapsed < TimeSpan.FromSeconds(20), $"the first request took {cold.Elapsed}");

        var watch = Stopwatch.StartNew();
        using var response = await http.PostAsJsonAsync("/api/verification/challenges",
            new { purpose = "phone", channel = "sms", phone = "+359888123456" });
        var took = watch.Elapsed;

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("challenge_store_unavailable",
            (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.NotNull(response.Headers.RetryAfter);
        Assert.True(took < TimeSpan.FromSeconds(5), $"took {took}");
        Assert.Empty(factory.Telephony.Inbox.List("+359888123456"));
    }

    [Fact]
    public async Task The_service_stays_ready_but_degraded()
    {
        using var http = factory.CreateClient();

        using var response = await http.GetAsync(new Uri(Extensions.HealthEndpointPath, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Degraded", await response.Content.ReadAsStringAsync());
    }
}
