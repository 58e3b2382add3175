using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Introserv.ServiceDefaults;
using Introserv.Testing;
using Introserv.Verification.Data;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Introserv.IntegrationTests.Verification;

/// <summary>
/// The Verification service in-process against the real local PostgreSQL (own database), Redis and RabbitMQ,
/// with a fake telephony provider on a real socket (four gateways), a clock tests can move and every log line
/// captured. Tokens are signed with a test key the service is told to trust, in place of Identity's. A request's
/// client address is the one in <see cref="ClientAddressHeader"/>, else <see cref="DefaultClientAddress"/>; the
/// hourly budgets and the rate-limit counters are this instance's own (key prefixes of its own in the shared Redis).
/// </summary>
public class VerificationServiceFactory : WebApplicationFactory<VerificationDbContext>, IAsyncLifetime
{
    public const string Issuer = TestTokens.Issuer;
    public const int ChallengesPerAccount = 6;
    public const int SendsPerPhone = 5;
    public const string ClientAddressHeader = "X-Test-Client-Address";
    public static readonly TimeSpan GatewayTimeout = TimeSpan.FromSeconds(1);

    public string DatabaseName { get; } = LocalInfra.UniqueDatabaseName("verification");

    public ShiftedTimeProvider Clock { get; } = new();

    /// <summary>This instance's address in the documentation range, so per-address counters are not shared between runs.</summary>
    public string DefaultClientAddress { get; } = $"198.18.{System.Security.Cryptography.RandomNumberGenerator.GetInt32(256)}.{System.Security.Cryptography.RandomNumberGenerator.GetInt32(1, 255)}";

    public CapturedLogs Logs { get; } = new();

    public FakeTelephonyProvider Telephony { get; private set; } = null!;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting($"ConnectionStrings:{ResourceNames.VerificationDb}", LocalInfra.Current.DatabaseConnectionString(DatabaseName));
        builder.UseSetting($"ConnectionStrings:{ResourceNames.RabbitMq}", LocalInfra.Current.RabbitMq);
        builder.UseSetting($"ConnectionStrings:{ResourceNames.Redis}", LocalInfra.Current.Redis);
        builder.UseSetting("Auth:Issuer", Issuer);
        builder.UseSetting("Auth:RequireHttpsMetadata", "false");
        builder.UseSetting("Verification:CodeHashKey", "test-code-hash-key-0123456789abcdef0123456789");
        builder.UseSetting("Verification:RateLimits:ChallengesPerAccount", ChallengesPerAccount.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Verification:RateLimits:SendsPerPhone", SendsPerPhone.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Verification:RateLimits:ChallengesPerAddress", "10000");
        builder.UseSetting("Verification:Budgets:KeyPrefix", $"verification:budget:{DatabaseName}");
        // The per-address, per-account and per-phone counters too: test classes draw client addresses at random.
        builder.UseSetting("Verification:RateLimits:KeyPrefix", $"verification:limit:{DatabaseName}");
        foreach (var (channel, role) in new[] { ("Sms", "Primary"), ("Sms", "Secondary"), ("Call", "Primary"), ("Call", "Secondary") })
        {
            var name = $"{channel}-{role}".ToLowerInvariant();
            builder.UseSetting($"Telephony:{channel}:{role}:Name", $"fake-{name}");
            builder.UseSetting($"Telephony:{channel}:{role}:Url", Telephony.MessagesUrl(name).ToString());
            builder.UseSetting($"Telephony:{channel}:{role}:Headers:Authorization", $"Bearer {FakeTelephonyProvider.Token}");
            builder.UseSetting($"Telephony:{channel}:{role}:Timeout", GatewayTimeout.ToString());
        }

        builder.ConfigureLogging(logging => logging.AddProvider(Logs).SetMinimumLevel(LogLevel.Debug));
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            services.TrustTestTokens();
            services.AddSingleton<IStartupFilter>(new ClientAddressFromHeader(DefaultClientAddress));
        });
        ConfigureSettings(builder);
    }

    /// <summary>Readiness answers besides Healthy a fixture expects (a fixture with a dependency down: Degraded).</summary>
    protected virtual IReadOnlyCollection<string> AcceptedHealth => [];

    /// <summary>Where a fixture for other rules changes settings (after the defaults above).</summary>
    protected virtual void ConfigureSettings(IWebHostBuilder builder)
    {
    }

    /// <summary>An access token as Identity would issue it: subject, audience, roles.</summary>
    public string TokenFor(Guid accountId, params string[] roles) => TestTokens.For(accountId, roles);

    public HttpClient Customer(Guid accountId) => Api(TokenFor(accountId, AuthenticationExtensions.CustomerRole));

    public HttpClient Api(string? accessToken)
    {
        var http = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (accessToken is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        }

        return http;
    }

    public Grpc.Net.Client.GrpcChannel GrpcChannel(string? accessToken) =>
        Grpc.Net.Client.GrpcChannel.ForAddress(Server.BaseAddress, new Grpc.Net.Client.GrpcChannelOptions
        {
            HttpHandler = Server.CreateHandler(),
            Credentials = Grpc.Core.ChannelCredentials.Create(
                Grpc.Core.ChannelCredentials.Insecure,
                Grpc.Core.CallCredentials.FromInterceptor((_, metadata) =>
                {
                    if (accessToken is not null)
                    {
                        metadata.Add("Authorization", $"Bearer {accessToken}");
                    }

                    return Task.CompletedTask;
                })),
            UnsafeUseInsecureChannelCallCredentials = true,
        });

    public async Task InitializeAsync()
    {
        Telephony = await FakeTelephonyProvider.StartAsync();
        using var client = CreateClient();
        var health = await ServiceHealth.WaitForHealthyAsync(client, accept: AcceptedHealth);
        Assert.True(health == "Healthy" || AcceptedHealth.Contains(health), $"health: {health}");
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await Telephony.DisposeAsync();
        await LocalInfra.Current.DropDatabasesAsync(DatabaseName);
    }
}

/// <summary>The test server has no socket: the client address comes from a test header, as a proxy's would.</summary>
internal sealed class ClientAddressFromHeader(string defaultAddress) : IStartupFilter
{
    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            var header = context.Request.Headers[VerificationServiceFactory.ClientAddressHeader].ToString();
            context.Connection.RemoteIpAddress = System.Net.IPAddress.Parse(header.Length > 0 ? header : defaultAddress);
            return nextMiddleware(context);
        });
        next(app);
    };
}

/// <summary>Every log line the service writes: message, structured values and exceptions.</summary>
public sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            lines.Enqueue($"{category} scope: {Describe(state)}");
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lines.Enqueue($"{category} {logLevel}: {formatter(state, exception)} | {Describe(state)} | {exception}");
        }

        private static string Describe(object? state) => state is IEnumerable<KeyValuePair<string, object?>> values
            ? string.Join(", ", values.Select(v => $"{v.Key}={v.Value}"))
            : state?.ToString() ?? string.Empty;
    }
}
