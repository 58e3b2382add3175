extern alias devgateway;
using devgateway::Introserv.Verification.DevGateway;
using Microsoft.AspNetCore.Builder;

namespace Introserv.Verification.Tests;

// A telephony provider on a real local socket (the development gateway's endpoints), so the Verification
// service's HTTP provider, timeouts and fallback are exercised over HTTP as in production.
public sealed class FakeTelephonyProvider : IAsyncDisposable
{
    public const string Token = "fake-provider-token-0123456789";

    private readonly WebApplication _app;

    private FakeTelephonyProvider(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public TelephonyInbox Inbox => _app.Services.GetRequiredService<TelephonyInbox>();

    public static async Task<FakeTelephonyProvider> StartAsync()
    {
        var (app, address) = await LocalServer.StartAsync(
            new Dictionary<string, string?> { [DevGatewayEndpoints.TokenKey] = Token },
            services => services.AddDevGateway(),
            app => app.MapDevGateway());
        return new FakeTelephonyProvider(app, address);
    }

    public Uri MessagesUrl(string gateway) => new(Address, $"/gateways/{gateway}/messages");

    public void SetMode(string gateway, string mode) => Inbox.SetMode(gateway, mode);

    // Messages a gateway received for a challenge, oldest first.
    public IReadOnlyList<ReceivedMessage> For(Guid challengeId, string? gateway = null) =>
        [.. Inbox.List()
            .Where(m => m.Reference == challengeId.ToString("D") && (gateway is null || m.Gateway == gateway))
            .OrderBy(m => m.Sequence)];

    // The code of the last message delivered for the challenge.
    public string LastCode(Guid challengeId) =>
        For(challengeId).Last(m => m.Outcome == "delivered").Code
            ?? throw new InvalidOperationException("The message had no code.");

    // The page a developer reads: also checked over HTTP, with its token rule.
    public async Task<HttpStatusCode> PostWithoutTokenAsync(string gateway)
    {
        using var http = new HttpClient();
        using var response = await http.PostAsJsonAsync(MessagesUrl(gateway), new { to = "+35988000000" });
        return response.StatusCode;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
