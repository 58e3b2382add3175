extern alias devgateway;
using System.Security.Cryptography;
using devgateway::Introserv.Verification.DevGateway;
using Grpc.Core;
using Introserv.Verification.Grpc;

namespace Introserv.Verification.Tests;

// Numbers that cost money, one address starting many challenges, and no second message through a retry.
public sealed class TelephonyAbuseTests : IClassFixture<TelephonyAbuseFactory>, IAsyncLifetime
{
    private readonly TelephonyAbuseFactory _factory;

    public TelephonyAbuseTests(TelephonyAbuseFactory factory)
    {
        _factory = factory;
        factory.MoveToAFreshHour();
    }

    public Task InitializeAsync() => _factory.ResetAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("+44 909 879 0000", "sms", "GB")] // premium rate
    [InlineData("+44 909 879 0000", "call", "GB")]
    [InlineData("+1 800 234 5678", "call", "US")] // toll free
    [InlineData("+44 56 1234 5678", "sms", "GB")] // VoIP
    public async Task A_number_that_is_not_a_mobile_or_a_landline_gets_nothing(
        string phone, string channel, string country)
    {
        using var refusals = _factory.CountRefusals();
        var sentBefore = _factory.Telephony.Inbox.List().Count;

        var started = await _factory.StartAsync(phone, channel);

        Assert.Equal(HttpStatusCode.BadRequest, started.Status);
        Assert.Equal("phone_number_type_not_allowed", started.Code);
        Assert.Equal(sentBefore, _factory.Telephony.Inbox.List().Count);
        Assert.Equal(1,
            refusals.Count(("reason", "phone_number_type_not_allowed"), ("channel", channel), ("country", country)));
    }

    [Fact]
    public async Task Another_service_asking_for_a_premium_rate_number_is_refused_with_the_code_in_the_trailers()
    {
        using var channel = _factory.GrpcChannel(
            _factory.TokenFor(Guid.NewGuid(), AuthenticationExtensions.ServiceRole));
        var client = new PhoneVerification.PhoneVerificationClient(channel);

        var error = await Assert.ThrowsAsync<RpcException>(() => client.StartChallengeAsync(new StartChallengeRequest
        {
            AccountId = Guid.NewGuid().ToString(), Purpose = "phone", Channel = "sms", Phone = "+449098790000",
        }).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("phone_number_type_not_allowed", error.Trailers.GetValue("problem-code"));
    }

    [Fact]
    public async Task A_direct_caller_cannot_spread_its_starts_over_other_addresses_with_forged_forwarding_headers()
    {
        // An address no other test uses: the per-address counters live in the shared Redis.
        var address = $"192.0.2.{RandomNumberGenerator.GetInt32(1, 255)}";
        var results = new List<Started>();
        for (var i = 0; i < TelephonyAbuseFactory.ChallengesPerAddress * 2; i++)
        {
            var forged = $"198.51.100.{i + 1}";
            results.Add(await _factory.StartAsync(TelephonyAbuseFactory.NewMobile("BG"), "sms", address,
                new Dictionary<string, string>
                {
                    ["X-Forwarded-For"] = forged,
                    ["X-Real-IP"] = forged,
                    ["Forwarded"] = $"for={forged}",
                    ["X-Original-For"] = forged,
                }));
        }

        Assert.Equal(TelephonyAbuseFactory.ChallengesPerAddress,
            results.Count(r => r.Status == HttpStatusCode.Created));
        Assert.All(results.Skip(TelephonyAbuseFactory.ChallengesPerAddress),
            r => Assert.Equal("too_many_challenges_from_address", r.Code));
    }

    [Fact]
    public async Task Twenty_parallel_starts_from_one_address_get_no_more_than_its_limit_whatever_the_accounts()
    {
        using var refusals = _factory.CountRefusals();
        var address = TelephonyAbuseFactory.NewAddress();
        var phones = Enumerable.Range(0, 20).Select(_ => TelephonyAbuseFactory.NewMobile("BG")).ToList();

        var results = await Task.WhenAll(phones.Select(
            phone => _factory.StartAsync(phone, phones.IndexOf(phone) % 2 == 0 ? "sms" : "call", address)));
        var elsewhere = await _factory.StartAsync(TelephonyAbuseFactory.NewMobile("BG"), "sms");

        Assert.Equal(TelephonyAbuseFactory.ChallengesPerAddress,
            results.Count(r => r.Status == HttpStatusCode.Created));
        Assert.All(results.Where(r => r.Status != HttpStatusCode.Created), r =>
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, r.Status);
            Assert.Equal("too_many_challenges_from_address", r.Code);
            Assert.NotNull(r.RetryAfter);
        });
        Assert.Equal(TelephonyAbuseFactory.ChallengesPerAddress, _factory.ReceivedFor(phones));
        Assert.Equal(20 - TelephonyAbuseFactory.ChallengesPerAddress,
            refusals.Count(("reason", "too_many_challenges_from_address")));
        Assert.Equal(HttpStatusCode.Created, elsewhere.Status);
    }

    [Fact]
    public async Task Another_service_passes_the_customers_address_and_it_is_limited_the_same_way()
    {
        using var channel = _factory.GrpcChannel(
            _factory.TokenFor(Guid.NewGuid(), AuthenticationExtensions.ServiceRole));
        var client = new PhoneVerification.PhoneVerificationClient(channel);
        var address = TelephonyAbuseFactory.NewAddress();
        StartChallengeRequest Request(string clientAddress) => new()
        {
            AccountId = Guid.NewGuid().ToString(), Purpose = "phone", Channel = "sms",
            Phone = TelephonyAbuseFactory.NewMobile("FR"), ClientAddress = clientAddress,
        };

        for (var i = 0; i < TelephonyAbuseFactory.ChallengesPerAddress; i++)
        {
            Assert.True((await client.StartChallengeAsync(Request(address))).Delivered);
        }

        var limited = await Assert.ThrowsAsync<RpcException>(() =>
            client.StartChallengeAsync(Request($"::ffff:{address}")).ResponseAsync);
        var malformed = await Assert.ThrowsAsync<RpcException>(() =>
            client.StartChallengeAsync(Request("not-an-address")).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, limited.StatusCode);
        Assert.Equal("too_many_challenges_from_address", limited.Trailers.GetValue("problem-code"));
        Assert.NotNull(limited.Trailers.GetValue("retry-after-seconds"));
        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
    }

    [Fact]
    public async Task A_provider_answering_503_gets_exactly_one_request_per_gateway_attempt()
    {
        using var customer = new VerificationClient(_factory.Customer(Guid.NewGuid()));
        _factory.Telephony.SetMode("sms-primary", GatewayModes.Fail);
        _factory.Telephony.SetMode("sms-secondary", GatewayModes.Fail);

        var (status, body) = await customer.StartAsync("phone", "sms", TelephonyAbuseFactory.NewMobile("BG"));
        var challengeId = body.GetProperty("challengeId").GetGuid();
        var afterFirst = _factory.Telephony.For(challengeId);
        _factory.Telephony.SetMode("sms-secondary", GatewayModes.Deliver);
        var (resent, resentBody, _) = await customer.ResendAsync(challengeId);

        Assert.Equal(HttpStatusCode.BadGateway, status);
        Assert.Equal(["sms-primary", "sms-secondary"], afterFirst.Select(m => m.Gateway));
        Assert.Equal(HttpStatusCode.OK, resent);
        Assert.Equal("secondary", resentBody.GetProperty("gateway").GetString());
        Assert.Equal(
            ["sms-primary", "sms-secondary", "sms-primary", "sms-secondary"],
            _factory.Telephony.For(challengeId).Select(m => m.Gateway));
    }
}
