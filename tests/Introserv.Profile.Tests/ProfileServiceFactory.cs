using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Contracts;
using Introserv.Profile.Data;
using Introserv.Verification.Tests;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging;

namespace Introserv.Profile.Tests;

// The Profile service in-process against the real local PostgreSQL (own database) and RabbitMQ (queues of its own),
// calling a real Verification service (in-process, with its fake telephony provider) over gRPC.
public class ProfileServiceFactory() : ServiceFactory<Program>(ResourceNames.ProfileDb, "profile")
{
    // The address every test request comes from unless it sets ClientAddressHeader.
    public const string ClientAddress = "192.0.2.44";

    // The name of Profile's gRPC client of Verification (the client factory names a client by its type).
    public const string VerificationClientName = "PhoneVerificationClient";

    private VerificationServiceFactory? _verification;

    public VerificationServiceFactory Verification => _verification ??= CreateVerification();

    // Every log line Profile writes.
    public CapturedLogs Logs { get; } = new();

    // The Verification service Profile calls (a healthy one unless a test needs another).
    protected virtual VerificationServiceFactory CreateVerification() => new();

    public override string? DefaultClientAddress => ClientAddress;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Services:VerificationGrpc", Verification.Server.BaseAddress.ToString());
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        builder.ConfigureTestServices(services =>
        {
            services.TrustTestTokens();
            services.UseTestServiceTokens();
            services.AddHttpClient(VerificationClientName)
                .ConfigurePrimaryHttpMessageHandler(() => Verification.Server.CreateHandler());
        });
    }

    // A profile complete enough to verify its phone (and to pay for orders).
    public static object CompleteProfile(string phone) => new
    {
        firstName = "Jane",
        lastName = "Doe",
        city = "Sofia",
        address = "ul. Vitosha 1",
        phone,
        country = "BG",
        profileType = "individual",
        postalAddress = new
        {
            recipient = "Jane Doe",
            street = "ul. Vitosha 1",
            city = "Sofia",
            postalCode = "1000",
            country = "BG"
        },
        version = 1,
    };

    // Registers an account the way Identity announces it, and waits until its profile exists.
    public async Task<Guid> RegisterAsync(string firstName = "Jane", string lastName = "Doe")
    {
        var accountId = Guid.NewGuid();
        var login = $"cust.{accountId:N}"[..20];
        var registered = new AccountRegistered(Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, login,
            $"{login}@example.com", firstName, lastName);
        await Services.GetRequiredService<IBus>().Publish(registered);
        using var http = Customer(accountId);
        if (await Eventually.TrueAsync(
            async () => (await http.GetAsync("/api/profile")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(20)))
        {
            return accountId;
        }

        throw new TimeoutException($"The profile of {accountId} was not created from AccountRegistered.");
    }

    public async Task<JsonElement> GetAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/api/profile");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    // The events of type in the outbox that mention text.
    public async Task<List<JsonElement>> OutboxAsync(string type, string text)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ProfileDbContext>();
        var rows = await db.Set<OutboxMessage>()
            .AsNoTracking()
            .Where(m => m.MessageType.StartsWith($"Introserv.Profile.Contracts.{type},"))
            .ToListAsync();
        return [.. rows.Where(r => r.Payload.Contains(text, StringComparison.Ordinal))
            .OrderBy(r => r.CreatedAt)
            .Select(r => JsonDocument.Parse(r.Payload).RootElement.Clone())];
    }

    public override async Task InitializeAsync()
    {
        await Verification.InitializeAsync();
        await base.InitializeAsync();
    }

    protected override Task OnStoppedAsync() => ((IAsyncLifetime)Verification).DisposeAsync();
}
