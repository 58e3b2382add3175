using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Identity.Contracts;
using Introserv.IntegrationTests.Verification;
using Introserv.Profile.Data;
using Introserv.ServiceDefaults;
using Introserv.Testing;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VerificationClient = Introserv.Verification.Grpc.PhoneVerification.PhoneVerificationClient;

namespace Introserv.IntegrationTests.Profile;

/// <summary>
/// The Profile service in-process against the real local PostgreSQL (own database) and RabbitMQ (queues of its
/// own), calling a real Verification service (in-process, with its fake telephony provider) over gRPC.
/// </summary>
public sealed class ProfileServiceFactory : WebApplicationFactory<ProfileDbContext>, IAsyncLifetime
{
    /// <summary>The address every test request comes from (the test server has no sockets).</summary>
    public const string ClientAddress = "192.0.2.44";

    /// <summary>A test request header that sets another socket address.</summary>
    public const string ClientAddressHeader = "X-Test-Client-Address";

    private readonly string _queuePrefix = $"test-{Guid.NewGuid():N}"[..17];

    public string DatabaseName { get; } = LocalInfra.UniqueDatabaseName("profile");

    public ShiftedTimeProvider Clock { get; } = new();

    public VerificationServiceFactory Verification { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting($"ConnectionStrings:{ResourceNames.ProfileDb}", LocalInfra.Current.DatabaseConnectionString(DatabaseName));
        builder.UseSetting($"ConnectionStrings:{ResourceNames.RabbitMq}", LocalInfra.Current.RabbitMq);
        builder.UseSetting("Auth:Issuer", TestTokens.Issuer);
        builder.UseSetting("Auth:RequireHttpsMetadata", "false");
        builder.UseSetting("Messaging:EndpointPrefix", _queuePrefix);
        builder.UseSetting("Messaging:TemporaryEndpoints", "true");
        builder.UseSetting("Services:VerificationGrpc", Verification.Server.BaseAddress.ToString());
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            services.AddSingleton<IStartupFilter, FixedClientAddress>();
            services.TrustTestTokens();
            services.UseTestServiceTokens();
            services.AddHttpClient(typeof(VerificationClient).Name).ConfigurePrimaryHttpMessageHandler(() => Verification.Server.CreateHandler());
        });
    }

    public HttpClient Api(string? token)
    {
        var http = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http;
    }

    public HttpClient Customer(Guid accountId) => Api(TestTokens.For(accountId, AuthenticationExtensions.CustomerRole));

    public HttpClient Staff() => Api(TestTokens.For(Guid.NewGuid(), AuthenticationExtensions.StaffRole));

    /// <summary>Registers an account the way Identity announces it, and waits until its profile exists.</summary>
    public async Task<Guid> RegisterAsync(string firstName = "Jane", string lastName = "Doe")
    {
        var accountId = Guid.NewGuid();
        var login = $"cust.{accountId:N}"[..20];
        var registered = new AccountRegistered(Guid.NewGuid(), DateTimeOffset.UtcNow, accountId, login, $"{login}@example.com", firstName, lastName);
        await Services.GetRequiredService<IBus>().Publish(registered);
        using var http = Customer(accountId);
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            using var response = await http.GetAsync("/api/profile");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return accountId;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The profile of {accountId} was not created from AccountRegistered.");
    }

    public async Task<JsonElement> GetAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/api/profile");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>The events of <paramref name="type"/> in the outbox that mention <paramref name="text"/>.</summary>
    public async Task<List<JsonElement>> OutboxAsync(string type, string text)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ProfileDbContext>();
        var rows = await db.Set<OutboxMessage>().AsNoTracking().Where(m => m.MessageType.StartsWith($"Introserv.Profile.Contracts.{type},")).ToListAsync();
        return [.. rows.Where(r => r.Payload.Contains(text, StringComparison.Ordinal)).OrderBy(r => r.CreatedAt).Select(r => JsonDocument.Parse(r.Payload).RootElement.Clone())];
    }

    public async Task InitializeAsync()
    {
        await Verification.InitializeAsync();
        using var client = CreateClient();
        Assert.Equal("Healthy", await ServiceHealth.WaitForHealthyAsync(client));
    }

    private sealed class FixedClientAddress : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                var header = context.Request.Headers[ClientAddressHeader].ToString();
                context.Connection.RemoteIpAddress = IPAddress.Parse(header.Length > 0 ? header : ClientAddress);
                return nextMiddleware(context);
            });
            next(app);
        };
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await ((IAsyncLifetime)Verification).DisposeAsync();
        await LocalInfra.Current.DropDatabasesAsync(DatabaseName);
    }
}
