extern alias verification;
using Introserv.Verification.Tests;
using Microsoft.Extensions.Http;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Introserv.Profile.Tests;

// "Verify" next to the profile's number: the Verification service's abuse rules reach the customer intact.
public sealed class PhoneVerificationAbuseTests(ProfileServiceFactory factory)
    : IClassFixture<ProfileServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task A_premium_rate_number_in_the_profile_is_refused_when_verified_and_nothing_is_sent()
    {
        var accountId = await factory.RegisterAsync();
        using var http = factory.Customer(accountId);
        using var saved = await http.PutAsJsonAsync(
            "/api/profile", ProfileServiceFactory.CompleteProfile("+44 909 879 0000"));
        var sentBefore = factory.Verification.Telephony.Inbox.List().Count;

        using var started = await http.PostAsJsonAsync("/api/profile/phone/verification", new { channel = "sms" });
        var problem = await started.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, started.StatusCode);
        Assert.Equal("phone_number_type_not_allowed", problem.GetProperty("code").GetString());
        Assert.Equal(sentBefore, factory.Verification.Telephony.Inbox.List().Count);
    }

    [Fact]
    public async Task The_customers_address_is_what_verification_counts_for_its_per_address_limit()
    {
        var redis = factory.Verification.Services.GetRequiredService<IConnectionMultiplexer>().GetDatabase();
        var prefix = factory.Verification.Services
            .GetRequiredService<
                Microsoft.Extensions.Options.IOptions<verification::Introserv.Verification.VerificationOptions>>()
            .Value.RateLimits.KeyPrefix;
        var key = $"{prefix}:address:{ProfileServiceFactory.ClientAddress}";
        var before = (long?)await redis.StringGetAsync(key) ?? 0;
        var accountId = await factory.RegisterAsync();
        using var http = factory.Customer(accountId);
        using var saved = await http.PutAsJsonAsync(
            "/api/profile", ProfileServiceFactory.CompleteProfile(VerificationClient.NewMobile()));

        using var started = await http.PostAsJsonAsync("/api/profile/phone/verification", new { channel = "sms" });

        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        Assert.True((long?)await redis.StringGetAsync(key) > before,
            "the start was not counted for the customer's address");
    }

    [Fact]
    public async Task The_client_that_starts_challenges_does_not_retry_a_failed_call()
    {
        // The client's own handler pipeline as configured, with a server that always answers 503 in place of
        // Verification.
        var name = ProfileServiceFactory.VerificationClientName;
        var options = factory.Services.GetRequiredService<IOptionsMonitor<HttpClientFactoryOptions>>().Get(name);
        var builder = factory.Services.GetRequiredService<HttpMessageHandlerBuilder>();
        builder.Name = name;
        foreach (var configure in options.HttpMessageHandlerBuilderActions)
        {
            configure(builder);
        }

        var server = new AlwaysUnavailable();
        builder.PrimaryHandler = server;
        using var client = new HttpMessageInvoker(builder.Build());
        using var request = new HttpRequestMessage(HttpMethod.Post,
            "http://verification/introserv.verification.v1.PhoneVerification/StartChallenge")
        {
            Content = new ByteArrayContent([0, 0, 0, 0, 0]),
        };

        using var response = await client.SendAsync(request, CancellationToken.None);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(1, server.Requests);
    }

    private sealed class AlwaysUnavailable : HttpMessageHandler
    {
        private int _requests;

        public int Requests => _requests;

        protected override Task<HttpResponseMessage> SendAsync(
            HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.ServiceUnavailable));
        }
    }
}
