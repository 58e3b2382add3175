using Introserv.Identity.Data;
using Introserv.Identity.Features.SignIn;
using Introserv.Identity.Features.Support;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Introserv.Identity.Tests;

// The Identity service in-process against the real local PostgreSQL (own database) and RabbitMQ, with its own
// signing keys, one public client, a bootstrap staff account and a clock tests can move forward. The test server has
// no sockets, so each request says which client address it comes from (ClientAddressHeader).
public class IdentityServiceFactory() : ServiceFactory<Program>(ResourceNames.IdentityDb, "identity")
{
    public const string ClientId = "test-panel";
    public const string RedirectUri = "http://panel.test/callback";
    public const string PostLogoutRedirectUri = "http://panel.test/";
    public const string ClientAddress = "192.0.2.10";
    public const string StaffLogin = "support.staff";
    public const string StaffPassword = "staff quiet harbour 7";
    public const string ServiceClientId = "test-gateway";
    public const string ServiceClientSecret = "0123456789abcdef0123456789abcdef-test-only";

    private readonly (string Signing, string Encryption) _keys = SigningKeys.Generate();
    private readonly DataProtectionCertificate _keyRingCertificate = DataProtectionCertificate.Create();

    // The PEM of the key that signs this instance's tokens.
    public string SigningKeyPem => _keys.Signing;

    public override string? DefaultClientAddress => ClientAddress;

    // Roles, clients, scopes and the key ring are seeded at start-up; the staff account is created again after a reset.
    protected override IReadOnlyCollection<string> KeptTables =>
        ["AspNetRoles", "AspNetRoleClaims", "OpenIddictApplications", "OpenIddictScopes", "DataProtectionKeys"];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.UseSetting("Identity:Keys:SigningKey", _keys.Signing);
        builder.UseSetting("Identity:Keys:EncryptionKey", _keys.Encryption);
        builder.UseSetting("Identity:DataProtection:Certificate:File", _keyRingCertificate.CertificateFile);
        builder.UseSetting("Identity:DataProtection:Certificate:KeyFile", _keyRingCertificate.KeyFile);
        builder.UseSetting("Identity:Clients:0:ClientId", ClientId);
        builder.UseSetting("Identity:Clients:0:RedirectUris:0", RedirectUri);
        builder.UseSetting("Identity:Clients:0:PostLogoutRedirectUris:0", PostLogoutRedirectUri);
        // Verification is not running beside these tests: a closed port, so its outage is what they meet (the whole
        // chain runs in the end-to-end tests).
        builder.UseSetting("Services:VerificationGrpc", "http://127.0.0.1:9");
        builder.UseSetting("Services:ProfileGrpc", "http://127.0.0.1:9");
        builder.UseSetting("Identity:ServiceClients:0:ClientId", ServiceClientId);
        builder.UseSetting("Identity:ServiceClients:0:ClientSecret", ServiceClientSecret);
        builder.UseSetting("Identity:BootstrapStaff:Login", StaffLogin);
        builder.UseSetting("Identity:BootstrapStaff:Email", "staff@example.com");
        builder.UseSetting("Identity:BootstrapStaff:Password", StaffPassword);
        builder.ConfigureTestServices(services =>
        {
            services
                .AddSingleton<RecordingPasswordHasher>()
                .AddSingleton<IPasswordHasher<Account>>(sp => sp.GetRequiredService<RecordingPasswordHasher>())
                .AddSingleton<ServerRequestRecorder>();
            services.AddOpenIddict().AddServer(options => options.AddEventHandler(ServerRequestRecorder.Descriptor));
        });
    }

    // The service's password hasher (with the service's options), recording every check.
    public RecordingPasswordHasher PasswordChecks => Services.GetRequiredService<RecordingPasswordHasher>();

    // The paths of the requests the OpenID Connect server's request handler was offered.
    public IReadOnlyCollection<string> ServerRequestPaths => Services.GetRequiredService<ServerRequestRecorder>().Paths;

    // A browser (cookies, no automatic redirects) at the given client address.
    public OidcBrowser NewBrowser(string clientAddress = ClientAddress)
    {
        var http = CreateClient(
            new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        http.DefaultRequestHeaders.Add(ClientAddressHeader, clientAddress);
        return new OidcBrowser(http, ClientId, RedirectUri);
    }

    // Registers a customer; returns its id, login and password.
    public async Task<(Guid Id, string Login, string Password)> RegisterAsync(
        string password = "violet canyon 42 lamps")
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

    public Task PublishAndAwaitAsync<T>(T message)
        where T : class => PublishAndAwaitAsync<IdentityServiceDbContext, T>(message);

    protected override async Task AfterResetAsync(NpgsqlConnection connection)
    {
        await using var scope = Services.CreateAsyncScope();
        var settings = scope.ServiceProvider.GetRequiredService<IOptions<IdentityServerOptions>>().Value;
        await BootstrapStaff.EnsureAsync(
            scope.ServiceProvider, settings.BootstrapStaff, NullLogger.Instance, CancellationToken.None);
    }

    protected override Task OnStoppedAsync()
    {
        _keyRingCertificate.Dispose();
        return Task.CompletedTask;
    }
}
