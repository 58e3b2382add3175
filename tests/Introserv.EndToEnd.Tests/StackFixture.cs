using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.Logging;

namespace Introserv.EndToEnd.Tests;

// The whole AppHost, started once for the collection: every service, the gateway and the local
// PostgreSQL, Redis and RabbitMQ. The databases carry a prefix unique to the run and are dropped after.
public class StackFixture : IAsyncLifetime
{
    public static readonly TimeSpan StartupTimeout = TimeSpan.FromMinutes(4);

    private readonly string _databasePrefix = $"introserv_e2e_{Guid.NewGuid():N}"[..26] + "_";

    public DistributedApplication App { get; private set; } = null!;

    public static IReadOnlyList<string> AllResources { get; } =
    [
        ResourceNames.IdentityDb, ResourceNames.ProfileDb, ResourceNames.OrdersDb,
        ResourceNames.NotificationsDb, ResourceNames.VerificationDb, ResourceNames.Redis, ResourceNames.RabbitMq,
        ResourceNames.Identity, ResourceNames.Profile, ResourceNames.Orders, ResourceNames.Notifications,
        ResourceNames.Verification, ResourceNames.Gateway, ResourceNames.TelephonyDev, ResourceNames.MailDev,
        ResourceNames.PaymentsDev, ResourceNames.WebhooksDev,
    ];

    // A gateway client carrying accessToken.
    public HttpClient Api(string accessToken)
    {
        var http = CreateGatewayClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return http;
    }

    // Waits (30 s at most) for the profile Profile creates from AccountRegistered: its body and ETag.
    public static async Task<(JsonElement Body, string? ETag)> WaitForProfileAsync(HttpClient api)
    {
        var (status, profile, etag) = await Eventually.ValueAsync(
            async () =>
            {
                using var response = await api.GetAsync("/api/profile");
                var body = response.StatusCode == HttpStatusCode.OK
                    ? await response.Content.ReadFromJsonAsync<JsonElement>()
                    : default;
                return (response.StatusCode, body, response.Headers.ETag?.Tag);
            },
            read => read.StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(30));
        Assert.True(status == HttpStatusCode.OK, $"no profile from AccountRegistered: {(int)status}");
        return (profile, etag);
    }

    // Waits (30 s at most) for a mail with the given subject to the given address in the development mail catcher.
    public static async Task<JsonElement> WaitForMailAsync(HttpClient mail, string to, string subject)
    {
        var found = await Eventually.ValueAsync(
            async () => (await mail.GetFromJsonAsync<JsonElement>($"/api/messages?to={Uri.EscapeDataString(to)}"))
                .EnumerateArray()
                .Where(m => m.GetProperty("subject").GetString() == subject)
                .Select(m => (JsonElement?)m)
                .FirstOrDefault(),
            message => message is not null,
            TimeSpan.FromSeconds(30));
        Assert.True(found is not null, $"no '{subject}' mail to {to}");
        return found.Value;
    }

    public HttpClient CreateGatewayClient() => App.CreateHttpClient(ResourceNames.Gateway, ResourceNames.HttpEndpoint);

    // The gateway's address, as a browser or front end would use it.
    public Uri GatewayAddress => App.GetEndpoint(ResourceNames.Gateway, ResourceNames.HttpEndpoint);

    // The reference panel (http://localhost:5173/, the origin Identity registers for the panel client).
    public Uri PanelAddress => App.GetEndpoint(ResourceNames.Panel, ResourceNames.HttpEndpoint);

    // A browser-like client of the gateway: keeps cookies, does not follow redirects.
    public OidcBrowser NewBrowser()
    {
#pragma warning disable CA2000 // The client owns the handler.
        var http = new HttpClient(new HttpClientHandler
        {
            AllowAutoRedirect = false,
            UseCookies = true,
            CookieContainer = new System.Net.CookieContainer()
        })
        {
            BaseAddress = GatewayAddress,
        };
#pragma warning restore CA2000
        return new OidcBrowser(http, PanelClientId, PanelRedirectUri);
    }

    // Requests per minute per address on anonymous endpoints: room for the whole suite from one address (the fuzz
    // test's anonymous operations, the sign-in pages of the browser tests and the panel's own sign-in in one minute).
    public const int AnonymousRateLimit = 1000;

    // API requests per minute per account in the test stack (the fuzz test sends hundreds as the one staff account).
    public const int AccountRateLimit = 2000;

    private readonly Lock _tokenGate = new();
    private Task<string>? _customerToken;

    // An access token of a customer registered for the run (access tokens live 10 minutes; a run is shorter).
    public Task<string> CustomerTokenAsync()
    {
        lock (_tokenGate)
        {
            return _customerToken ??= CreateCustomerTokenAsync();
        }
    }

    private async Task<string> CreateCustomerTokenAsync()
    {
        const string password = "granite harbour 55 owls";
        var login = $"run.{Guid.NewGuid():N}"[..20];
        await RegisterAsync(login, password, "Run", "Customer");
        return (await NewBrowser().SignInAsync(login, password)).AccessToken;
    }

    // Registers a customer through the gateway as a sign-up form would (201 expected); the address is the login at
    // example.com unless another is given.
    public async Task RegisterAsync(
        string login, string password, string firstName, string lastName, string? email = null)
    {
        using var anonymous = CreateGatewayClient();
        using var registered = await anonymous.PostAsJsonAsync("/api/accounts",
            new { login, password, email = email ?? $"{login}@example.com", firstName, lastName });
        await Expect.StatusAsync(HttpStatusCode.Created, registered);
    }

    // The development support account (Identity's Development seed), as a signed-in staff client of the gateway.
    public async Task<HttpClient> StaffAsync() =>
        Api((await NewBrowser().SignInAsync("support", "local-support-only-2026")).AccessToken);

    // The password of every customer RegisterPayingCustomerAsync makes (its login is its address before the @).
    public const string PayingCustomerPassword = "copper lantern 72 rivers";

    // A customer who may pay (in Bulgaria, the seller's country, with a complete postal address) and whose balance
    // support credited with credit EUR: the signed-in client, the account's id and its email.
    public async Task<(HttpClient Api, Guid AccountId, string Email)> RegisterPayingCustomerAsync(
        string loginPrefix, decimal credit)
    {
        const string password = PayingCustomerPassword;
        var login = $"{loginPrefix}.{Guid.NewGuid():N}"[..20];
        var email = $"{login}@example.com";
        await RegisterAsync(login, password, "Ivan", "Petrov", email);

        var api = Api((await NewBrowser().SignInAsync(login, password)).AccessToken);
        var (profile, _) = await WaitForProfileAsync(api);
        var accountId = profile.GetProperty("accountId").GetGuid();
        using (var saved = await api.PutAsJsonAsync("/api/profile", new
        {
            firstName = "Ivan", lastName = "Petrov", city = "Varna", address = "ul. Slivnitsa 9", country = "BG",
            profileType = "individual",
            postalAddress = new
            {
                recipient = "Ivan Petrov",
                street = "ul. Slivnitsa 9",
                city = "Varna",
                postalCode = "9000",
                country = "BG"
            },
            version = profile.GetProperty("version").GetInt32(),
        }))
        {
            await Expect.StatusAsync(HttpStatusCode.OK, saved);
        }

        // Top up: the development support account credits a payment.
        using var staff = await StaffAsync();
        using (var credited = await staff.PostAsJsonAsync($"/api/staff/balances/{accountId}/credits",
            new { amount = credit, currency = "EUR", paymentReference = $"bank-{Guid.NewGuid():N}" }))
        {
            await Expect.StatusAsync(HttpStatusCode.Created, credited);
        }

        return (api, accountId, email);
    }

    // The development front-end client registered by Identity's Development configuration.
    public const string PanelClientId = "introserv-panel";

    public const string PanelRedirectUri = "http://localhost:3000/callback";

    public async Task InitializeAsync()
    {
        _ = LocalInfra.Current; // starts the local servers when they are not running
        using var cts = new CancellationTokenSource(StartTimeout);
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Introserv_AppHost>(
            [
                "Infra:Mode=local",
                $"Infra:Local:DatabasePrefix={_databasePrefix}",
                "Gateway:Port=0",
                // Queues of this run's own (deleted with it): events earlier runs and the integration tests published
                // to the shared broker's durable queues would otherwise be worked through first.
                $"Messaging:EndpointPrefix=e2e-{Guid.NewGuid():N}"[..30],
                "Messaging:TemporaryEndpoints=true",
                $"Gateway:RateLimits:anonymous:PermitLimit={AnonymousRateLimit}",
                // Limits are counted in the shared Redis: this run counts on its own.
                $"Gateway:RateLimits:KeyPrefix=e2e-{Guid.NewGuid():N}:",
                $"Gateway:RateLimits:api:PermitLimit={AccountRateLimit}",
                // Webhook retries every 2 s for 90 s (a day in a deployment), a delivery's lease 10 s: the outage
                // drills' receiver, down for as long as the outage, comes back within them (a broker stopped for 8 s
                // once took 23 s to recover on a loaded build machine, beyond the 20 s of retries this had been).
                .. Enumerable.Range(0, 45).Select(i => $"Webhooks:RetrySchedule:{i}=00:00:02"),
                "Webhooks:Timeout=00:00:05",
                "Webhooks:Lease=00:00:10",
                .. StackArguments,
            ],
            (options, _) => options.DisableDashboard = true,
            cts.Token);
        builder.Services.AddLogging(logging => logging
            .SetMinimumLevel(LogLevel.Warning)
            .AddFilter("Aspire.Hosting", LogLevel.Warning));

        App = await builder.BuildAsync(cts.Token);
        try
        {
            await App.StartAsync(cts.Token);
            foreach (var gateway in Gateways)
            {
                await WaitHealthyAsync(gateway, cts.Token);
            }
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"The stack did not start within {StartTimeout}; resources: {await StatesAsync()}" +
                await ExitedOutputAsync());
        }
    }

    // How long the stack may take to start (every process healthy).
    protected virtual TimeSpan StartTimeout => StartupTimeout;

    // Every resource's state and health now ("orders-abc Running/Healthy, ..."), for a start that timed out.
    private async Task<string> StatesAsync() => string.Join(", ", (await CurrentStatesAsync())
        .OrderBy(e => e.ResourceId, StringComparer.Ordinal)
        .Select(e => $"{e.ResourceId} {e.Snapshot.State?.Text}/{e.Snapshot.HealthStatus}"));

    // The last lines of every process that exited while the stack was starting (a replica that stopped leaves the
    // others waiting for it), so a start that timed out on a build machine says why.
    private async Task<string> ExitedOutputAsync()
    {
        var output = new StringBuilder();
        foreach (var exited in (await CurrentStatesAsync())
            .Where(e => e.Snapshot.State?.Text is "Finished" or "Exited" or "FailedToStart")
            .OrderBy(e => e.ResourceId, StringComparer.Ordinal))
        {
            output.Append(CultureInfo.InvariantCulture,
                    $"\nLast output of {exited.ResourceId} (exit code {exited.Snapshot.ExitCode}):\n")
                .Append(await RecentOutputAsync(exited.ResourceId));
        }

        return output.ToString();
    }

    // The current state of every process and resource of the stack (a replicated service's instances each).
    public async Task<IReadOnlyList<ResourceEvent>> CurrentStatesAsync()
    {
        var states = new Dictionary<string, ResourceEvent>(StringComparer.Ordinal);
        using var enough = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await foreach (var change in App.ResourceNotifications.WatchAsync(enough.Token))
            {
                states[change.ResourceId] = change;
            }
        }
        catch (OperationCanceledException)
        {
            // The current states have been read.
        }

        return [.. states.Values];
    }

    // The AppHost settings of this stack besides the test run's own (a later setting wins).
    protected virtual IEnumerable<string> StackArguments => [];

    // The stack's gateway resources (one per replica).
    public virtual IReadOnlyList<string> Gateways => [ResourceNames.Gateway];

    // Waits for resource to be healthy; when it fails to start, the failure carries the last lines
    // the process wrote, so a run on a build machine says why.
    public async Task WaitHealthyAsync(string resource, CancellationToken cancellationToken)
    {
        try
        {
            await App.ResourceNotifications.WaitForResourceHealthyAsync(resource, cancellationToken);
        }
        catch (DistributedApplicationException failed)
        {
            throw new InvalidOperationException(
                $"{failed.Message}\nLast output of {resource}:\n{await RecentOutputAsync(resource)}", failed);
        }
    }

    // The last 40 lines the resource's process wrote.
    public async Task<string> RecentOutputAsync(string resource)
    {
        var lines = new List<string>();
        using var enough = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await foreach (var batch in App.Services
                .GetRequiredService<ResourceLoggerService>()
                .WatchAsync(resource)
                .WithCancellation(enough.Token))
            {
                lines.AddRange(batch.Select(l => l.Content));
            }
        }
        catch (OperationCanceledException)
        {
            // The backlog has been read.
        }

        return string.Join('\n', lines.TakeLast(40));
    }

    // Where every process's output is kept after the run: artifacts/stack-logs/<run>/<resource>.log. A failed test run
    // prints the errors logged there (./dev test), so a failure on a build machine says which process refused and why.
    public static string OutputDirectory { get; } =
        Path.Combine(LocalInfra.RepositoryRoot, "artifacts", "stack-logs");

    // How many runs' logs are kept (runs started outside ./dev test, which clears them first, would pile up).
    private const int KeptRuns = 6;

    // Keeping the logs never stands in the way of stopping the stack: a failure to read or write them is reported on
    // the console and the stack is stopped all the same.
    private async Task SaveOutputAsync()
    {
        try
        {
            var runs = new DirectoryInfo(OutputDirectory);
            if (runs.Exists)
            {
                foreach (var old in runs.GetDirectories().OrderByDescending(d => d.CreationTimeUtc).Skip(KeptRuns - 1))
                {
                    old.Delete(recursive: true);
                }
            }

            await WriteOutputAsync();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException
            or DistributedApplicationException)
        {
            Console.Error.WriteLine($"The stack's logs could not be kept: {ex.Message}");
        }
    }

    private async Task WriteOutputAsync()
    {
        var directory = Path.Combine(OutputDirectory, _databasePrefix.TrimEnd('_'));
        Directory.CreateDirectory(directory);
        var loggers = App.Services.GetRequiredService<ResourceLoggerService>();
        using var enough = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Task.WhenAll((await CurrentStatesAsync()).Select(e => e.ResourceId).Distinct().Select(async resource =>
        {
            var lines = new List<string>();
            try
            {
                await foreach (var batch in loggers.GetAllAsync(resource).WithCancellation(enough.Token))
                {
                    lines.AddRange(batch.Select(l => l.Content));
                }
            }
            catch (OperationCanceledException)
            {
                // What was read in the time given is kept.
            }

            if (lines.Count > 0)
            {
                await File.WriteAllLinesAsync(
                    Path.Combine(directory, $"{resource}.log"), lines, CancellationToken.None);
            }
        }));
    }

    public async Task DisposeAsync()
    {
        if (App is not null)
        {
            await SaveOutputAsync();
            await App.StopAsync();
            await App.DisposeAsync();
        }

        await LocalInfra.Current.DropDatabasesAsync(_databasePrefix);
    }
}

[CollectionDefinition(Name)]
public sealed class StackDefinition : ICollectionFixture<StackFixture>
{
    public const string Name = "stack";
}
