using System.Net.Sockets;
using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Hosting;
using Introserv.Orders.Data;
using Introserv.Orders.Features.Lifecycle;
using Introserv.Orders.Features.Payments;
using Introserv.Profile.Tests;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Npgsql;

namespace Introserv.Orders.Tests;

// The Orders service in-process against the real local PostgreSQL and RabbitMQ, asking a real Profile service
// (in-process, over gRPC) whether an account may pay.
public sealed class OrdersServiceFactory() : ServiceFactory<Program>(ResourceNames.OrdersDb, "orders")
{
    // The real Profile service Orders asks whether an account may pay (gRPC, in-process).
    public ProfileServiceFactory Profile { get; } = new();

    // Identity's confirmation policy as the tests script it.
    public ScriptedOperationConfirmation Confirmation { get; } = new();

    // While true, Orders cannot reach Profile (its gRPC calls fail as with a service that is down).
    public bool ProfileDown { get; set; }

    // The payment provider behind the methods card (every country), sepa (BG and DE) and wire (US only); the method
    // offline is served by a provider nobody listens for, and silent (JP only) by one that takes connections and
    // never answers (so a top-up waits for it until its timeout).
    public FakePaymentProvider Payments { get; private set; } = null!;

    private readonly TcpListener _silentProvider = new(IPAddress.Loopback, 0);

    // How long the provider's answer to a new payment takes to reach Orders once the provider has made the payment
    // (a slow network on the way back); the wait ends early when Orders stops waiting (its client went away).
    public TimeSpan PaymentAnswerDelay { get; set; }

    // How many answers to a request for a payment the provider has given while PaymentAnswerDelay was set.
    public int PaymentAnswers => Volatile.Read(ref _paymentAnswers);

    private int _paymentAnswers;

    public const string InvoiceLinkBase = "https://billing.test/";
    public const string InvoiceLinkKey = "invoice-link-key-for-tests-0123456789";
    public const string RetiredInvoiceLinkKey = "invoice-link-key-retired-0123456789";

    // The plans come with the migrations; the address pool is seeded again after a reset (IDatabaseSeed).
    protected override IReadOnlyCollection<string> KeptTables => ["plans", "plan_periods"];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Services:ProfileGrpc", Profile.Server.BaseAddress.ToString());
        builder.UseSetting("Orders:Lifecycle:Interval", "00:00:01");
        builder.UseSetting("Orders:AddressPool:Seed:0", "203.0.113.10-203.0.113.250");
        builder.UseSetting("Orders:AddressPool:Seed:1", "198.51.100.10-198.51.100.250");
        // Invoice mails link to their PDFs through the gateway's address, as in every configured deployment.
        builder.UseSetting("Orders:InvoiceLinks:PublicBaseUrl", InvoiceLinkBase);
        builder.UseSetting("Orders:InvoiceLinks:SigningKeys:0", InvoiceLinkKey);
        builder.UseSetting("Orders:InvoiceLinks:SigningKeys:1", RetiredInvoiceLinkKey);
        var silent = new Uri($"http://127.0.0.1:{((IPEndPoint)_silentProvider.LocalEndpoint).Port}/");
        foreach (var (key, value) in PaymentSettings(Payments.Address, silent))
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureTestServices(services =>
        {
            services.TrustTestTokens();
            services.UseTestServiceTokens();
            services.AddSingleton<IOperationConfirmation>(Confirmation);
            services.AddHttpClient("BillingProfilesClient").ConfigurePrimaryHttpMessageHandler(
                () => new ProfileLink(this) { InnerHandler = Profile.Server.CreateHandler() });
            services.AddHttpClient(HttpPaymentProviders.ClientName)
                .AddHttpMessageHandler(() => new SlowPaymentAnswers(this));
        });
    }

    protected override async Task AfterResetAsync(NpgsqlConnection connection)
    {
        await using var scope = Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrdersDbContext>();
        foreach (var seed in scope.ServiceProvider.GetServices<IDatabaseSeed<OrdersDbContext>>())
        {
            await seed.SeedAsync(db, CancellationToken.None);
        }
    }

    public LifecycleJob Lifecycle => Services.GetRequiredService<LifecycleJob>();

    // A registered account with a complete profile (it may pay) and, optionally, some balance. By default an
    // individual outside the EU (US), whose charges carry no VAT: the amounts are the plans' net prices (TaxTests
    // covers every tax case). A company (vatId given) is approved by staff.
    public async Task<Guid> PayingCustomerAsync(
        decimal balance, bool completeProfile = true, string country = "US", string? vatId = null)
    {
        var accountId = await Profile.RegisterAsync();
        if (completeProfile)
        {
            using var profile = Profile.Customer(accountId);
            using var saved = await profile.PutAsJsonAsync("/api/profile", new
            {
                firstName = "Jane", lastName = "Doe", city = "Springfield", address = "12 Main Street", country,
                profileType = vatId is null ? "individual" : "company",
                company = vatId is null ? null : new { name = "Acme Ltd", registrationNumber = "HRB 4711", vatId },
                postalAddress = new
                {
                    recipient = "Jane Doe",
                    street = "12 Main Street",
                    city = "Springfield",
                    postalCode = "1504",
                    country,
                },
                version = 1,
            });
            Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
            if (vatId is not null)
            {
                using var staff = Profile.Staff();
                using var approved = await staff.PostAsJsonAsync(
                    $"/api/staff/profiles/{accountId}/company-verification",
                    new { decision = "approved", reason = "Registry and VAT number checked" });
                Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
            }
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
        using var credited = await staff.PostAsJsonAsync($"/api/staff/balances/{accountId}/credits",
            new { amount, currency = "EUR", paymentReference = Guid.NewGuid().ToString() });
        Assert.Equal(HttpStatusCode.Created, credited.StatusCode);
    }

    // POST /api/orders with an Idempotency-Key (none when key is null).
    public static async Task<(HttpStatusCode Status, JsonElement Body)> OrderAsync(
        HttpClient http, object body, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
        {
            Content = JsonContent.Create(body)
        };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(
        HttpClient http, string path, object? body = null)
    {
        using var response = await http.PostAsJsonAsync(path, body ?? new { });
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    public static async Task<decimal> BalanceAsync(HttpClient http) =>
        (await http.GetFromJsonAsync<JsonElement>("/api/balance")).GetProperty("balance").GetDecimal();

    // Reads the Orders database directly (what the API does not show, e.g. the address pool).
    public Task<T> QueryAsync<T>(Func<OrdersDbContext, Task<T>> query) => QueryAsync<OrdersDbContext, T>(query);

    // The ledger explains the balance: the entries sum to it.
    public async Task AssertLedgerExplainsBalanceAsync(Guid accountId)
    {
        var (balance, sum) = await QueryAsync(async db => (
            await db.Balances.Where(b => b.AccountId == accountId).Select(b => b.Balance).SingleAsync(),
            await db.Ledger.Where(e => e.AccountId == accountId).SumAsync(e => e.Amount)));
        Assert.Equal(balance, sum);
    }

    public static IEnumerable<(string Key, string Value)> PaymentSettings(Uri provider, Uri silentProvider)
    {
        const string payments = "Orders:Payments";
        yield return ($"{payments}:CallbackBaseUrl", "http://localhost/");
        yield return ($"{payments}:ReturnUrl", "http://localhost:3000/balance");
        yield return ($"{payments}:Providers:dev:BaseUrl", provider.ToString());
        yield return ($"{payments}:Providers:dev:ApiKey", FakePaymentProvider.ApiKey);
        yield return ($"{payments}:Providers:dev:CallbackSecrets:0", FakePaymentProvider.CallbackSecret);
        yield return ($"{payments}:Providers:dev:Timeout", "00:00:03");
        yield return ($"{payments}:Providers:offline:BaseUrl", "http://127.0.0.1:9/");
        yield return ($"{payments}:Providers:offline:CallbackSecrets:0", "offline-provider-secret-0123456789");
        yield return ($"{payments}:Providers:offline:Timeout", "00:00:02");
        yield return ($"{payments}:Methods:card:Name", "Card");
        yield return ($"{payments}:Methods:card:Provider", "dev");
        yield return ($"{payments}:Methods:sepa:Name", "SEPA bank transfer");
        yield return ($"{payments}:Methods:sepa:Provider", "dev");
        yield return ($"{payments}:Methods:sepa:Countries:0", "BG");
        yield return ($"{payments}:Methods:sepa:Countries:1", "DE");
        yield return ($"{payments}:Methods:sepa:MinAmount", "20");
        yield return ($"{payments}:Methods:wire:Name", "Wire");
        yield return ($"{payments}:Methods:wire:Provider", "dev");
        yield return ($"{payments}:Methods:wire:Countries:0", "US");
        yield return ($"{payments}:Methods:offline:Name", "Offline");
        yield return ($"{payments}:Methods:offline:Provider", "offline");
        yield return ($"{payments}:Providers:silent:BaseUrl", silentProvider.ToString());
        yield return ($"{payments}:Providers:silent:CallbackSecrets:0", "silent-provider-secret-0123456789");
        yield return ($"{payments}:Providers:silent:Timeout", "00:00:03");
        yield return ($"{payments}:Methods:silent:Name", "Silent");
        yield return ($"{payments}:Methods:silent:Provider", "silent");
        yield return ($"{payments}:Methods:silent:Countries:0", "JP");
    }

    public override async Task InitializeAsync()
    {
        Payments = await FakePaymentProvider.StartAsync(() => Server.CreateHandler(), Clock);
        _silentProvider.Start();
        await Profile.InitializeAsync();
        await base.InitializeAsync();
    }

    protected override async Task OnStoppedAsync()
    {
        await ((IAsyncLifetime)Profile).DisposeAsync();
        await Payments.DisposeAsync();
        _silentProvider.Stop();
    }

    private sealed class SlowPaymentAnswers(OrdersServiceFactory factory) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(
            HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (factory.PaymentAnswerDelay <= TimeSpan.Zero)
            {
                return await base.SendAsync(request, cancellationToken);
            }

            // The provider gets the whole request whatever Orders does meanwhile; only the answer is late.
            var response = await base.SendAsync(request, CancellationToken.None);
            Interlocked.Increment(ref factory._paymentAnswers);
            try
            {
                await Task.Delay(factory.PaymentAnswerDelay, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                response.Dispose();
                throw;
            }

            return response;
        }
    }

    private sealed class ProfileLink(OrdersServiceFactory factory) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(
            HttpRequestMessage request, CancellationToken cancellationToken) =>
            factory.ProfileDown
                ? throw new HttpRequestException(HttpRequestError.ConnectionError, "Profile is unreachable.")
                : base.SendAsync(request, cancellationToken);
    }
}
