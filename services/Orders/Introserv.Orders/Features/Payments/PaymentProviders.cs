using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Options;

namespace Introserv.Orders.Features.Payments;

// What Orders asks a provider to create: a payment of the top-up's amount, identified by the top-up's id (the
// provider answers the same payment to a repeated request with the same reference).
public sealed record ProviderPaymentRequest(
    Guid Reference, decimal Amount, string Currency, string Method, string Description, Uri ReturnUrl,
    Uri CallbackUrl, DateTimeOffset ExpiresAt);

// The provider's payment: its id (named again by every callback) and where the customer pays it.
public sealed record ProviderPayment(string PaymentId, Uri RedirectUrl);

// The provider could not create the payment (unreachable, timed out, refused or answered nonsense).
public sealed class PaymentProviderException(string message, Exception? inner = null) : Exception(message, inner);

// A payment provider, behind one interface: a provider speaking another protocol gets an adapter of its own.
public interface IPaymentProviders
{
    Task<ProviderPayment> CreatePaymentAsync(
        string provider, ProviderPaymentRequest request, CancellationToken cancellationToken);
}

// The documented HTTP contract (README, "Payment providers"): POST {BaseUrl}/payments with a bearer key and the
// reference as Idempotency-Key; 200 or 201 { paymentId, redirectUrl }.
public sealed class HttpPaymentProviders(
    IHttpClientFactory clients, IOptions<PaymentOptions> options, ILogger<HttpPaymentProviders> logger)
    : IPaymentProviders
{
    public const string ClientName = "payment-providers";
    private const int MaxAnswerBytes = 16 * 1024;

    public async Task<ProviderPayment> CreatePaymentAsync(
        string provider, ProviderPaymentRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = options.Value.Providers.GetValueOrDefault(provider)
            ?? throw new PaymentProviderException($"Provider '{provider}' is not configured.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.Timeout);
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(settings.BaseUrl!, "payments"))
        {
            Content = JsonContent.Create(new CreatePaymentBody(
                request.Reference.ToString("D"), request.Amount, request.Currency, request.Method, request.Description,
                request.ReturnUrl.ToString(), request.CallbackUrl.ToString(), request.ExpiresAt)),
        };
        message.Headers.Add("Idempotency-Key", request.Reference.ToString("D"));
        if (!string.IsNullOrEmpty(settings.ApiKey))
        {
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", settings.ApiKey);
        }

        try
        {
            using var http = clients.CreateClient(ClientName);
            using var response = await http.SendAsync(
                message, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                logger.LogError(
                    "Payment provider {Provider} answered {Status} to top-up {TopUpId}",
                    provider, (int)response.StatusCode, request.Reference);
                throw new PaymentProviderException($"The provider answered {(int)response.StatusCode}.");
            }

            // Read at most MaxAnswerBytes, whether or not the answer states its length.
            var body = new byte[MaxAnswerBytes + 1];
            var length = 0;
            await using (var stream = await response.Content.ReadAsStreamAsync(timeout.Token))
            {
                int read;
                while (length < body.Length
                    && (read = await stream.ReadAsync(body.AsMemory(length), timeout.Token)) > 0)
                {
                    length += read;
                }
            }

            if (length > MaxAnswerBytes)
            {
                throw new PaymentProviderException("The provider's answer is too large.");
            }

            var answer = JsonSerializer.Deserialize<CreatePaymentAnswer>(
                body.AsSpan(0, length), JsonSerializerOptions.Web);
            // What the top-up stores: a payment id of at most 64 characters, a redirect URL of at most 2000.
            if (answer?.PaymentId is not { Length: > 0 and <= 64 } paymentId
                || answer.RedirectUrl is not { Length: <= 2000 }
                || !Uri.TryCreate(answer.RedirectUrl, UriKind.Absolute, out var redirect)
                || (redirect.Scheme != Uri.UriSchemeHttps && redirect.Scheme != Uri.UriSchemeHttp))
            {
                throw new PaymentProviderException("The provider's answer has no payment id or redirect URL.");
            }

            return new ProviderPayment(paymentId, redirect);
        }
        catch (Exception e) when (e is HttpRequestException or JsonException or OperationCanceledException
            && !cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning(
                "Payment provider {Provider} could not create top-up {TopUpId}: {Error}",
                provider, request.Reference, e.Message);
            throw new PaymentProviderException("The provider could not be reached or answered nonsense.", e);
        }
    }

    private sealed record CreatePaymentBody(
        string Reference, decimal Amount, string Currency, string Method, string Description, string ReturnUrl,
        string CallbackUrl, DateTimeOffset ExpiresAt);

    private sealed record CreatePaymentAnswer(
        [property: JsonPropertyName("paymentId")] string? PaymentId,
        [property: JsonPropertyName("redirectUrl")] string? RedirectUrl);
}
