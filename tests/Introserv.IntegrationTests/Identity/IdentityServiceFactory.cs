using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Introserv.Identity.Data;
using Introserv.Identity.Features.SignIn;
using Introserv.ServiceDefaults;
using Introserv.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Introserv.IntegrationTests.Identity;

/// <summary>
/// The Identity service in-process against the real local PostgreSQL (own database) and RabbitMQ, with its own
/// signing keys, one public client, a bootstrap staff account and a clock tests can move forward. The test
/// server has no sockets, so each request says which client address it comes from (<see cref="ClientAddressHeader"/>).
/// </summary>
public sealed class IdentityServiceFactory : WebApplicationFactory<IdentityServiceDbContext>, IAsyncLifetime
{
    public const string ClientId = "test-panel";
    public const string RedirectUri = "http://panel.test/callback";
    public const string PostLogoutRedirectUri = "http://panel.test/";
    public const string ClientAddressHeader = "X-Test-Client-Address";
    public const string DefaultClientAddress = "192.0.2.10";
    public const string StaffLogin = "support.staff";
    public const string StaffPassword = "staff quiet harbour 7";
    public const string ServiceClientId = "test-gateway";
    public const string ServiceClientSecret = "0123456789abcdef0123456789abcdef-test-only";

    private readonly (string Signing, string Encryption) _keys = SigningKeys.Generate();
    private readonly DataProtectionCertificate _keyRingCertificate = DataProtectionCertificate.Create();

    /// <summary>The PEM of the key that signs this instance's tokens.</summary>
    public string SigningKeyPem => _keys.Signing;

    public string DatabaseName { get; } = LocalInfra.UniqueDatabaseName("identity");

    public ShiftedTimeProvider Clock { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting($"ConnectionStrings:{ResourceNames.IdentityDb}", LocalInfra.Current.DatabaseConnectionString(DatabaseName));
        builder.UseSetting($"ConnectionStrings:{ResourceNames.RabbitMq}", LocalInfra.Current.RabbitMq);
        builder.UseSetting("Messaging:EndpointPrefix", $"test-{Guid.NewGuid():N}"[..17]);
        builder.UseSetting("Messaging:TemporaryEndpoints", "true");
        builder.UseSetting("Auth:Issuer", "http://identity.test/");
        builder.UseSetting("Auth:RequireHttpsMetadata", "false");
        builder.UseSetting("Identity:Keys:SigningKey", _keys.Signing);
        builder.UseSetting("Identity:Keys:EncryptionKey", _keys.Encryption);
        builder.UseSetting("Identity:DataProtection:Certificate:File", _keyRingCertificate.CertificateFile);
        builder.UseSetting("Identity:DataProtection:Certificate:KeyFile", _keyRingCertificate.KeyFile);
        builder.UseSetting("Identity:Clients:0:ClientId", ClientId);
        builder.UseSetting("Identity:Clients:0:RedirectUris:0", RedirectUri);
        builder.UseSetting("Identity:Clients:0:PostLogoutRedirectUris:0", PostLogoutRedirectUri);
        builder.UseSetting("Identity:ServiceClients:0:ClientId", ServiceClientId);
        builder.UseSetting("Identity:ServiceClients:0:ClientSecret", ServiceClientSecret);
        builder.UseSetting("Identity:BootstrapStaff:Login", StaffLogin);
        builder.UseSetting("Identity:BootstrapStaff:Email", "staff@example.com");
        builder.UseSetting("Identity:BootstrapStaff:Password", StaffPassword);
        builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(Clock);
            services.AddSingleton<IStartupFilter, ClientAddressFromHeader>();
        });
    }

    /// <summary>A browser (cookies, no automatic redirects) at the given client address.</summary>
    public OidcBrowser NewBrowser(string clientAddress = DefaultClientAddress)
    {
        var http = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        http.DefaultRequestHeaders.Add(ClientAddressHeader, clientAddress);
        return new OidcBrowser(http, ClientId, RedirectUri);
    }

    /// <summary>An API client with a bearer token, at the given client address.</summary>
    public HttpClient Api(string accessToken, string clientAddress = DefaultClientAddress)
    {
        var http = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        http.DefaultRequestHeaders.Add(ClientAddressHeader, clientAddress);
        return http;
    }

    /// <summary>A gRPC channel to the in-process service that sends the bearer token (if any) with every call.</summary>
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

    /// <summary>Registers a customer; returns its id, login and password.</summary>
    public async Task<(Guid Id, string Login, string Password)> RegisterAsync(string password = "violet canyon 42 lamps")
    {
        var login = $"cust.{Guid.NewGuid():N}"[..20];
        using var http = CreateClient();
        using var response = await http.PostAsJsonAsync("/api/accounts", new
        {
            login,
            password,
            email = $"{login}@example.com",
            firstName = "Jane",
            lastName = "Doe",
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accountId").GetGuid();
        return (id, login, password);
    }

    public async Task InitializeAsync()
    {
        using var client = CreateClient();
        Assert.Equal("Healthy", await ServiceHealth.WaitForHealthyAsync(client));
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await LocalInfra.Current.DropDatabasesAsync(DatabaseName);
        _keyRingCertificate.Dispose();
    }

    /// <summary>Sets the connection's remote address from the test header, before anything else runs.</summary>
    private sealed class ClientAddressFromHeader : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                var header = context.Request.Headers[ClientAddressHeader].ToString();
                context.Connection.RemoteIpAddress = IPAddress.Parse(header.Length > 0 ? header : DefaultClientAddress);
                return nextMiddleware(context);
            });
            next(app);
        };
    }
}
