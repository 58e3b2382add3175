using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Introserv.Orders.Features.Lifecycle;
using Introserv.ServiceDefaults;
using Introserv.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Introserv.IntegrationTests;

/// <summary>
/// The Orders service in-process, against the real local PostgreSQL (a database of its own for this
/// run, dropped afterwards) and RabbitMQ.
/// </summary>
public sealed class OrdersServiceFactory : WebApplicationFactory<Introserv.Orders.Data.OrdersDbContext>, IAsyncLifetime
{
    public string DatabaseName { get; } = LocalInfra.UniqueDatabaseName("orders");

    /// <summary>The real Profile service Orders asks whether an account may pay (gRPC, in-process).</summary>
    public Profile.ProfileServiceFactory Profile { get; } = new();

    public string ConnectionString => LocalInfra.Current.DatabaseConnectionString(DatabaseName);

    /// <summary>While true, Orders cannot reach Profile (its gRPC calls fail as with a service that is down).</summary>
    public bool ProfileDown { get; set; }

    /// <summary>The service's clock: tests move it ahead to make orders fall due (the lifecycle job runs every second).</summary>
    public ShiftedTimeProvider Clock { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting($"ConnectionStrings:{ResourceNames.OrdersDb}", ConnectionString);
        builder.UseSetting($"ConnectionStrings:{ResourceNames.RabbitMq}", LocalInfra.Current.RabbitMq);
        builder.UseSetting("Auth:Issuer", TestTokens.Issuer);
        builder.UseSetting("Auth:RequireHttpsMetadata", "false");
        builder.UseSetting("Messaging:EndpointPrefix", $"test-{Guid.NewGuid():N}"[..17]);
        builder.UseSetting("Messaging:TemporaryEndpoints", "true");
        builder.UseSetting("Services:ProfileGrpc", Profile.Server.BaseAddress.ToString());
        builder.UseSetting("Orders:Lifecycle:Interval", "00:00:01");
        builder.UseSetting("Orders:AddressPool:Seed:0", "203.0.113.10-203.0.113.250");
        builder.UseSetting("Orders:AddressPool:Seed:1", "198.51.100.10-198.51.100.250");
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            services.TrustTestTokens();
            services.UseTestServiceTokens();
            services.AddHttpClient("BillingProfilesClient").ConfigurePrimaryHttpMessageHandler(() => new ProfileLink(this) { InnerHandler = Profile.Server.CreateHandler() });
        });
    }

    public HttpClient Api(string token)
    {
        var http = CreateClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    public HttpClient Customer(Guid accountId) => Api(TestTokens.For(accountId, AuthenticationExtensions.CustomerRole));

    public HttpClient Staff() => Api(TestTokens.For(Guid.NewGuid(), AuthenticationExtensions.StaffRole));

    public LifecycleJob Lifecycle => Services.GetRequiredService<LifecycleJob>();

    /// <summary>A registered account with a complete profile (it may pay) and, optionally, some balance.</summary>
    public async Task<Guid> PayingCustomerAsync(decimal balance, bool completeProfile = true)
    {
        var accountId = await Profile.RegisterAsync();
        if (completeProfile)
        {
            using var profile = Profile.Customer(accountId);
            using var saved = await profile.PutAsJsonAsync("/api/profile", new
            {
                firstName = "Jane", lastName = "Doe", city = "Sofia", address = "ul. Shipka 3", country = "BG",
                postalAddress = new { recipient = "Jane Doe", street = "ul. Shipka 3", city = "Sofia", postalCode = "1504", country = "BG" },
                version = 1,
            });
            Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        }

        if (balance > 0)
        {
            await CreditAsync(accountId, balance);
        }

        return accountId;
    }

    public async Task CreditAsync(Guid accountId, decimal amount)
    {
        using var staff = Staff();
        using var credited = await staff.PostAsJsonAsync($"/api/staff/balances/{accountId}/credits", new { amount, currency = "EUR", paymentReference = Guid.NewGuid().ToString() });
        Assert.Equal(HttpStatusCode.Created, credited.StatusCode);
    }

    /// <summary>POST /api/orders with an Idempotency-Key (none when <paramref name="key"/> is null).</summary>
    public static async Task<(HttpStatusCode Status, JsonElement Body)> OrderAsync(HttpClient http, object body, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders") { Content = JsonContent.Create(body) };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(HttpClient http, string path, object? body = null)
    {
        using var response = await http.PostAsJsonAsync(path, body ?? new { });
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    public static async Task<decimal> BalanceAsync(HttpClient http) =>
        (await http.GetFromJsonAsync<JsonElement>("/api/balance")).GetProperty("balance").GetDecimal();

    /// <summary>Reads the Orders database directly (what the API does not show, e.g. the address pool).</summary>
    public async Task<T> QueryAsync<T>(Func<Introserv.Orders.Data.OrdersDbContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<Introserv.Orders.Data.OrdersDbContext>());
    }

    /// <summary>The ledger explains the balance: the entries sum to it.</summary>
    public async Task AssertLedgerExplainsBalanceAsync(Guid accountId)
    {
        var (balance, sum) = await QueryAsync(async db => (
            await db.Balances.Where(b => b.AccountId == accountId).Select(b => b.Balance).SingleAsync(),
            await db.Ledger.Where(e => e.AccountId == accountId).SumAsync(e => e.Amount)));
        Assert.Equal(balance, sum);
    }

    public async Task InitializeAsync()
    {
        await Profile.InitializeAsync();
        using var client = CreateClient();
        Assert.Equal("Healthy", await ServiceHealth.WaitForHealthyAsync(client));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await ((IAsyncLifetime)Profile).DisposeAsync();
        await LocalInfra.Current.DropDatabasesAsync(DatabaseName);
    }

    private sealed class ProfileLink(OrdersServiceFactory factory) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            factory.ProfileDown
                ? throw new HttpRequestException(HttpRequestError.ConnectionError, "Profile is unreachable.")
                : base.SendAsync(request, cancellationToken);
    }
}
