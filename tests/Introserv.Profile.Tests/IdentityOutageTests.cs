using System.Diagnostics;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Net.Client;
using Introserv.Profile.Grpc;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;

namespace Introserv.Profile.Tests;

// Profile while Identity's signing keys cannot be read (it never read them, and Identity does not answer): a token
// cannot be checked either way, so nothing is refused as unauthenticated. The HTTP API answers 503
// service_unavailable; a gRPC call (another service asking) gets the status UNAVAILABLE with the reason, which its
// callers treat as "try again", not an HTTP error page the gRPC client cannot read.
public sealed class IdentityOutageTests(ProfileServiceFactory factory) : IClassFixture<ProfileServiceFactory>
{
    private WebApplicationFactory<Program> WithIdentityUnreachable() => factory.WithWebHostBuilder(builder =>
        builder.ConfigureTestServices(services =>
            services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options =>
            {
                // Nothing listens on port 9 (discard): the discovery document cannot be read.
                options.Configuration = null;
                options.TokenValidationParameters.IssuerSigningKey = null;
                options.ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(
                    "http://127.0.0.1:9/.well-known/openid-configuration",
                    new OpenIdConnectConfigurationRetriever(),
                    new HttpDocumentRetriever { RequireHttps = false });
            })));

    [Fact]
    public async Task A_grpc_call_is_unavailable_and_an_http_request_503_while_identity_is_unreachable()
    {
        await using var profile = WithIdentityUnreachable();
        using var channel = GrpcChannel.ForAddress(profile.Server.BaseAddress, new GrpcChannelOptions
        {
            HttpHandler = profile.Server.CreateHandler(),
        });
        var billing = new BillingProfiles.BillingProfilesClient(channel);
        var headers = new Metadata { { "Authorization", $"Bearer {TestTokens.Service()}" } };

        var calls = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Assert.ThrowsAsync<RpcException>(() =>
            billing.GetBillingProfileAsync(new() { AccountId = Guid.NewGuid().ToString() }, headers).ResponseAsync)));
        using var http = profile.CreateClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Bearer", TestTokens.For(Guid.NewGuid(), AuthenticationExtensions.CustomerRole));
        using var response = await http.GetAsync(new Uri("/api/profile", UriKind.Relative));
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.All(calls, call =>
        {
            Assert.Equal(StatusCode.Unavailable, call.StatusCode);
            Assert.Contains("identity service is unreachable", call.Status.Detail, StringComparison.Ordinal);
        });
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("service_unavailable", problem.GetProperty("code").GetString());
        Assert.NotNull(response.Headers.RetryAfter);
    }

    // Identity accepts connections and never answers (a hung process, a full backlog behind a load balancer): each
    // request with a token waits for the discovery read at most the backchannel timeout (10 s) before its 503, also
    // when twenty arrive at once and queue for the same read.
    [Fact]
    public async Task Requests_get_503_within_the_backchannel_timeout_while_identity_hangs()
    {
        using var hung = new HungServer();
        await using var profile = factory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
            services.PostConfigure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme, options =>
            {
                // The service's own discovery reads (its client and timeout), pointed at the hung server.
                options.Configuration = null;
                options.TokenValidationParameters.IssuerSigningKey = null;
                options.ConfigurationManager = AuthenticationExtensions.DiscoveryReads(
                    $"{hung.Address}/.well-known/openid-configuration", requireHttps: false);
            })));
        using var http = profile.CreateClient();
        http.Timeout = TimeSpan.FromMinutes(2);
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue(
            "Bearer", TestTokens.For(Guid.NewGuid(), AuthenticationExtensions.CustomerRole));
        var started = Stopwatch.StartNew();

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            using var response = await http.GetAsync(new Uri("/api/profile", UriKind.Relative));
            return (response.StatusCode, Code: (await response.Content.ReadFromJsonAsync<JsonElement>())
                .GetProperty("code").GetString(), Waited: started.Elapsed);
        }));

        Assert.True(hung.Accepted > 0);
        Assert.All(answers, answer =>
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.StatusCode);
            Assert.Equal("service_unavailable", answer.Code);
            // The timeout is 10 s; twice that and more leaves room for a slow machine, not for a second wait in turn.
            Assert.True(answer.Waited < TimeSpan.FromSeconds(25), $"answered after {answer.Waited}");
        });
    }

    // A TCP server that accepts every connection and never reads or answers.
    private sealed class HungServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<TcpClient> _held = [];
        private int _accepted;

        public HungServer()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        public string Address => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

        public int Accepted => Volatile.Read(ref _accepted);

        public void Dispose()
        {
            _listener.Stop();
            lock (_held)
            {
                _held.ForEach(client => client.Dispose());
            }
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var client = await _listener.AcceptTcpClientAsync();
                    Interlocked.Increment(ref _accepted);
                    lock (_held)
                    {
                        _held.Add(client);
                    }
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Stopped.
            }
        }
    }
}
