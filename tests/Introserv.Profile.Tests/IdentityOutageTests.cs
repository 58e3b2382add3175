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
}
