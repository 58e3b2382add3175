using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Introserv.Gateway.Tests;

// The first read of Identity's discovery document is shared by the requests that wait for it; a request whose client
// goes away meanwhile stops waiting at once, and the read goes on for the others (neither cut off nor made again).
public sealed class SharedDiscoveryReadsTests
{
    private const string Issuer = "http://identity.test/";

    [Fact]
    public async Task A_request_that_goes_away_stops_waiting_and_the_shared_read_goes_on_for_the_others()
    {
        using var identity = new SlowIdentity();
        using var backchannel = new HttpClient(identity);
        var reads = new SharedDiscoveryReads(
            $"{Issuer}.well-known/openid-configuration", backchannel, requireHttps: false, TimeProvider.System);
        using var client = new CancellationTokenSource();

        var leaving = reads.GetConfigurationAsync(client.Token);
        var staying = reads.GetConfigurationAsync(CancellationToken.None);
        await identity.Asked.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await client.CancelAsync();
        var left = await Record.ExceptionAsync(() => leaving.WaitAsync(TimeSpan.FromSeconds(5)));
        var stillWaiting = !staying.IsCompleted;
        identity.Answer();
        var configuration = await staying.WaitAsync(TimeSpan.FromSeconds(10));
        var next = await reads.GetConfigurationAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.IsAssignableFrom<OperationCanceledException>(left);
        Assert.True(stillWaiting, "the other request's wait ended with the first one's");
        Assert.Equal((Issuer, 1), (configuration.Issuer, configuration.SigningKeys.Count));
        Assert.Equal(Issuer, next.Issuer);
        Assert.Equal(1, identity.DiscoveryReads);
    }

    // Identity's discovery document, answered only once the test says so, and its signing keys.
    private sealed class SlowIdentity : HttpMessageHandler
    {
        private readonly TaskCompletionSource _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly RSA _key = RSA.Create(2048);
        private int _discoveryReads;

        public TaskCompletionSource Asked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int DiscoveryReads => Volatile.Read(ref _discoveryReads);

        public void Answer() => _answer.TrySetResult();

        protected override async Task<HttpResponseMessage> SendAsync(
            HttpRequestMessage request, CancellationToken cancellationToken)
        {
            ArgumentNullException.ThrowIfNull(request);
            if (request.RequestUri!.AbsolutePath.EndsWith("/openid-configuration", StringComparison.Ordinal))
            {
                Interlocked.Increment(ref _discoveryReads);
                Asked.TrySetResult();
                await _answer.Task.WaitAsync(cancellationToken);
                return Json(JsonSerializer.Serialize(new Dictionary<string, string>
                {
                    ["issuer"] = Issuer,
                    ["jwks_uri"] = $"{Issuer}.well-known/jwks",
                }));
            }

            var parameters = _key.ExportParameters(includePrivateParameters: false);
            return Json(JsonSerializer.Serialize(new
            {
                keys = new[]
                {
                    new
                    {
                        kty = "RSA",
                        use = "sig",
                        kid = "test",
                        n = Base64UrlEncoder.Encode(parameters.Modulus),
                        e = Base64UrlEncoder.Encode(parameters.Exponent),
                    },
                },
            }));
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _key.Dispose();
            }

            base.Dispose(disposing);
        }

        private static HttpResponseMessage Json(string json) =>
            new(HttpStatusCode.OK) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
    }
}
