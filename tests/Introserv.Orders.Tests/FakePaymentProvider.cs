extern alias devpayments;
using devpayments::Introserv.Orders.DevPayments;
using Microsoft.AspNetCore.Builder;

namespace Introserv.Orders.Tests;

// The development payment provider on a real local socket: Orders creates payments over HTTP as it would at a real
// provider, and the provider's signed callbacks reach the Orders service under test through callbackHandler.
public sealed class FakePaymentProvider : IAsyncDisposable
{
    public const string ApiKey = "fake-payments-api-key-0123456789";
    public const string CallbackSecret = "fake-payments-callback-secret-0123456789";

    private readonly WebApplication _app;

    private FakePaymentProvider(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public PaymentBook Book => _app.Services.GetRequiredService<PaymentBook>();

    public static async Task<FakePaymentProvider> StartAsync(
        Func<HttpMessageHandler> callbackHandler, TimeProvider clock)
    {
        var (app, address) = await LocalServer.StartAsync(
            new Dictionary<string, string?>
            {
                [DevPaymentsEndpoints.ApiKeyKey] = ApiKey,
                [CallbackSender.SecretKey] = CallbackSecret,
            },
            services =>
            {
                services.AddDevPayments();
                services.AddSingleton(clock);
                services.AddHttpClient(CallbackSender.ClientName).ConfigurePrimaryHttpMessageHandler(callbackHandler);
            },
            app => app.MapDevPayments());
        return new FakePaymentProvider(app, address);
    }

    public HttpClient Client() => new() { BaseAddress = Address };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
