using System.Net.Http.Headers;
using Grpc.Core;
using Grpc.Net.Client;
using Introserv.BuildingBlocks.Messaging;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Npgsql;
using Respawn;

namespace Introserv.Testing;

// A service in-process (WebApplicationFactory<Program>) against the real local PostgreSQL (a database of its own,
// dropped afterwards) and RabbitMQ (queues of its own), trusting test tokens, with a clock tests can move. A test
// class resets the database before each test (ResetDatabaseAsync), keeping what the service seeds at start-up.
public abstract class ServiceFactory<TEntryPoint> : WebApplicationFactory<TEntryPoint>, IAsyncLifetime
    where TEntryPoint : class
{
    // A test request header that sets the connection's address (the test server has no sockets).
    public const string ClientAddressHeader = "X-Test-Client-Address";

    private readonly string _databaseResource;
    private Respawner? _respawner;
    private Uri? _baseAddress;

    protected ServiceFactory(string databaseResource, string databasePrefix)
    {
        _databaseResource = databaseResource;
        DatabaseName = LocalInfra.UniqueDatabaseName(databasePrefix);
    }

    public string DatabaseName { get; }

    public string ConnectionString => LocalInfra.Current.DatabaseConnectionString(DatabaseName);

    public string QueuePrefix { get; } = $"test-{Guid.NewGuid():N}"[..17];

    public ShiftedTimeProvider Clock { get; } = new();

    // The address a request without the test header comes from; null leaves the connection as it is.
    public virtual string? DefaultClientAddress => null;

    protected virtual string Issuer => TestTokens.Issuer;

    protected virtual string RabbitMq => LocalInfra.Current.RabbitMq;

    // Health answers besides Healthy that count as started (e.g. Degraded while a fake provider is down).
    protected virtual IReadOnlyCollection<string> AcceptedHealth => [];

    // Tables a reset keeps: what the service seeds at start-up (the migrations' history is always kept).
    protected virtual IReadOnlyCollection<string> KeptTables => [];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.UseEnvironment("Testing");
        builder.UseSetting($"ConnectionStrings:{_databaseResource}", ConnectionString);
        builder.UseSetting($"ConnectionStrings:{ResourceNames.RabbitMq}", RabbitMq);
        builder.UseSetting("Messaging:EndpointPrefix", QueuePrefix);
        builder.UseSetting("Messaging:TemporaryEndpoints", "true");
        builder.UseSetting("Auth:Issuer", Issuer);
        builder.UseSetting("Auth:RequireHttpsMetadata", "false");
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            if (DefaultClientAddress is { } address)
            {
                services.AddSingleton<IStartupFilter>(new ClientAddressFromHeader(address));
            }
        });
    }

    // Where the default client sends requests: the test server, or the real listener when the factory uses Kestrel
    // (options given to CreateClient would otherwise point at http://localhost).
    private Uri BaseAddress
    {
        get
        {
            if (_baseAddress is null)
            {
                using var probe = CreateClient();
                _baseAddress = probe.BaseAddress!;
            }

            return _baseAddress;
        }
    }

    // An API client (no automatic redirects) with a bearer token, when given, from the given client address.
    public HttpClient Api(string? token, string? clientAddress = null)
    {
        var http = CreateClient(
            new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, BaseAddress = BaseAddress });
        if (token is not null)
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (clientAddress is not null)
        {
            http.DefaultRequestHeaders.Add(ClientAddressHeader, clientAddress);
        }

        return http;
    }

    // A gRPC channel to the in-process service that sends the bearer token (if any) with every call.
    public GrpcChannel GrpcChannel(string? accessToken) =>
        Grpc.Net.Client.GrpcChannel.ForAddress(Server.BaseAddress, new GrpcChannelOptions
        {
            HttpHandler = Server.CreateHandler(),
            Credentials = ChannelCredentials.Create(
                ChannelCredentials.Insecure,
                CallCredentials.FromInterceptor((_, metadata) =>
                {
                    if (accessToken is not null)
                    {
                        metadata.Add("Authorization", $"Bearer {accessToken}");
                    }

                    return Task.CompletedTask;
                })),
            UnsafeUseInsecureChannelCallCredentials = true,
        });

    public HttpClient Customer(Guid accountId) => Api(TestTokens.For(accountId, AuthenticationExtensions.CustomerRole));

    public HttpClient Staff() => Api(TestTokens.For(Guid.NewGuid(), AuthenticationExtensions.StaffRole));

    // Reads the service's database directly (what the API does not show).
    protected async Task<T> QueryAsync<TContext, T>(Func<TContext, Task<T>> query)
        where TContext : notnull
    {
        ArgumentNullException.ThrowIfNull(query);
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<TContext>());
    }

    // Publishes message (as messageType, under messageId) to the service's broker and waits for the broker's confirm,
    // at most 15 s per try and three tries with the same message id, as the outbox dispatcher bounds its publishes
    // (MessagingOptions.PublishTimeout): RabbitMQ 3.10 at times never confirms a message routed to a quorum queue that
    // is being deleted at that moment (another test class's temporary queue expiring), and an unbounded publish would
    // hang the test run. A message that did go out twice is one message to the consumers' inboxes.
    public async Task PublishConfirmedAsync(object message, Type messageType, Guid messageId)
    {
        ArgumentNullException.ThrowIfNull(message);
        var bus = Services.GetRequiredService<IBus>();
        for (var attempt = 1; ; attempt++)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await bus.Publish(message, messageType, context => context.MessageId = messageId, timeout.Token);
                return;
            }
            catch (OperationCanceledException) when (attempt < 3)
            {
                // Not confirmed in time: publish again.
            }
        }
    }

    // Publishes an event to the service and waits until its inbox recorded it (applied, or recognised as a
    // duplicate), so what a test asserts next does not depend on how long it slept.
    protected async Task PublishAndAwaitAsync<TContext, T>(T message, TimeSpan? timeout = null)
        where TContext : DbContext
        where T : class
    {
        var messageId = NewId.NextGuid();
        await PublishConfirmedAsync(message, typeof(T), messageId);
        var consumed = await Eventually.TrueAsync(
            () => QueryAsync<TContext, bool>(db => db.Set<InboxMessage>().AnyAsync(m => m.MessageId == messageId)),
            timeout ?? TimeSpan.FromSeconds(20));
        Assert.True(consumed, $"{typeof(T).Name} was not consumed");
    }

    // Empties every table but the kept ones, so a test starts from what the service seeds and nothing a test
    // before it wrote.
    public async Task ResetDatabaseAsync()
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        _respawner ??= await Respawner.CreateAsync(connection, new RespawnerOptions
        {
            DbAdapter = DbAdapter.Postgres,
            SchemasToInclude = ["public"],
            TablesToIgnore = [new("__EFMigrationsHistory"), .. KeptTables.Select(t => new Respawn.Graph.Table(t))],
        });
        // The service's own workers (outbox dispatcher, consumers, jobs) keep writing meanwhile; a delete that meets
        // one of their transactions head-on is chosen as the deadlock victim, and deleting again then succeeds.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await _respawner.ResetAsync(connection);
                break;
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DeadlockDetected && attempt < 5)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50 * attempt));
            }
        }

        await AfterResetAsync(connection);
    }

    // What a reset must also undo in the kept tables (e.g. addresses held by orders that are gone).
    protected virtual Task AfterResetAsync(NpgsqlConnection connection) => Task.CompletedTask;

    public virtual async Task InitializeAsync()
    {
        using var client = CreateClient();
        var health = await ServiceHealth.WaitForHealthyAsync(client, accept: AcceptedHealth);
        Assert.True(health == "Healthy" || AcceptedHealth.Contains(health), $"The service did not start: {health}");
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await OnStoppedAsync();
        await LocalInfra.Current.DropDatabasesAsync(DatabaseName);
    }

    // Cleans up what the factory started besides the service (fakes, other services).
    protected virtual Task OnStoppedAsync() => Task.CompletedTask;

    // Sets the connection's remote address from the test header, before anything else runs.
    private sealed class ClientAddressFromHeader(string defaultAddress) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                var header = context.Request.Headers[ClientAddressHeader].ToString();
                context.Connection.RemoteIpAddress = IPAddress.Parse(header.Length > 0 ? header : defaultAddress);
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
