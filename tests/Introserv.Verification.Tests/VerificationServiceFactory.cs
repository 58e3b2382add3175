extern alias devgateway;
using System.Security.Cryptography;
using devgateway::Introserv.Verification.DevGateway;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;

namespace Introserv.Verification.Tests;

// The Verification service in-process against the real local PostgreSQL (own database), Redis and RabbitMQ, with a
// fake telephony provider on a real socket (four gateways), a clock tests can move and every log line captured. A
// request's client address is the one in ClientAddressHeader, else DefaultClientAddress; the hourly budgets and the
// rate-limit counters are this instance's own (key prefixes of its own in the shared Redis).
public class VerificationServiceFactory() : ServiceFactory<Program>(ResourceNames.VerificationDb, "verification")
{
    public const int ChallengesPerAccount = 6;
    public const int SendsPerPhone = 5;
    // Long enough that a loaded machine's loopback call to the fake provider is not cut off (which would fail over to
    // the secondary gateway), short enough for the tests of a gateway that never answers.
    public static readonly TimeSpan GatewayTimeout = TimeSpan.FromSeconds(3);

    // This instance's address in the documentation range, so per-address counters are not shared between runs.
    public override string DefaultClientAddress { get; } =
        $"198.18.{RandomNumberGenerator.GetInt32(256)}.{RandomNumberGenerator.GetInt32(1, 255)}";

    public CapturedLogs Logs { get; } = new();

    public FakeTelephonyProvider Telephony { get; private set; } = null!;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting($"ConnectionStrings:{ResourceNames.Redis}", LocalInfra.Current.Redis);
        builder.UseSetting("Verification:CodeHashKey", "test-code-hash-key-0123456789abcdef0123456789");
        builder.UseSetting("Verification:RateLimits:ChallengesPerAccount", $"{ChallengesPerAccount}");
        builder.UseSetting("Verification:RateLimits:SendsPerPhone", $"{SendsPerPhone}");
        builder.UseSetting("Verification:RateLimits:ChallengesPerAddress", "10000");
        builder.UseSetting("Verification:Budgets:KeyPrefix", $"verification:budget:{DatabaseName}");
        // The per-address, per-account and per-phone counters too: test classes draw client addresses at random.
        builder.UseSetting("Verification:RateLimits:KeyPrefix", $"verification:limit:{DatabaseName}");
        foreach (var (channel, role) in new[]
        {
            ("Sms", "Primary"),
            ("Sms", "Secondary"),
            ("Call", "Primary"),
            ("Call", "Secondary")
        })
        {
            var name = $"{channel}-{role}".ToLowerInvariant();
            builder.UseSetting($"Telephony:{channel}:{role}:Name", $"fake-{name}");
            builder.UseSetting($"Telephony:{channel}:{role}:Url", Telephony.MessagesUrl(name).ToString());
            builder.UseSetting($"Telephony:{channel}:{role}:Headers:Authorization",
                $"Bearer {FakeTelephonyProvider.Token}");
            builder.UseSetting($"Telephony:{channel}:{role}:Timeout", GatewayTimeout.ToString());
        }

        builder.ConfigureLogging(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug));
        builder.ConfigureTestServices(services => services.TrustTestTokens());
        ConfigureSettings(builder);
    }

    // Where a fixture for other rules changes settings (after the defaults above).
    protected virtual void ConfigureSettings(IWebHostBuilder builder)
    {
    }

    // An access token as Identity would issue it: subject, audience, roles.
    public string TokenFor(Guid accountId, params string[] roles) => TestTokens.For(accountId, roles);

    public Task PublishAndAwaitAsync<T>(T message)
        where T : class => PublishAndAwaitAsync<Data.VerificationDbContext, T>(message);

    // A customer of this service with a fresh account id.
    public VerificationClient NewCustomer(out Guid accountId)
    {
        accountId = Guid.NewGuid();
        return new VerificationClient(Customer(accountId));
    }

    // Before each test: every gateway delivers again and the database is empty.
    public async Task ResetAsync()
    {
        foreach (var gateway in new[] { "sms-primary", "sms-secondary", "call-primary", "call-secondary" })
        {
            Telephony.SetMode(gateway, GatewayModes.Deliver);
        }

        await ResetDatabaseAsync();
    }

    public override async Task InitializeAsync()
    {
        Telephony = await FakeTelephonyProvider.StartAsync();
        await base.InitializeAsync();
    }

    protected override async Task OnStoppedAsync() => await Telephony.DisposeAsync();
}
