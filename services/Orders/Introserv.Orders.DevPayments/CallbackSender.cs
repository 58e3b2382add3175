using System.Globalization;
using System.Text;
using System.Text.Json;
using Introserv.Orders.Contracts.Payments;

namespace Introserv.Orders.DevPayments;

// Sends a payment's callback as the provider contract says (signed JSON to the callback URL), retrying a failed one
// a few times with growing pauses, and records every attempt on the payment.
public sealed class CallbackSender(
    IHttpClientFactory clients, PaymentBook book, IConfiguration configuration, TimeProvider clock,
    ILogger<CallbackSender> logger)
{
    public const string ClientName = "dev-payments-callbacks";

    // Configuration key of the secret callbacks are signed with.
    public const string SecretKey = "DevPayments:CallbackSecret";

    private static readonly TimeSpan[] Pauses =
        [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(8)];

    // After a decision: as the callback mode says. Waits for the first attempt when sent at once.
    public async Task AfterDecisionAsync(DevPayment payment)
    {
        switch (book.CallbackMode)
        {
            case CallbackModes.Hold:
                return;
            case CallbackModes.Delay:
                var delay = book.CallbackDelay;
                _ = Task.Run(async () =>
                {
                    await Task.Delay(delay, clock);
                    await SendWithRetriesAsync(payment);
                });
                return;
            default:
                await SendWithRetriesAsync(payment);
                return;
        }
    }

    // Sends the payment's current status; retries in the background when the first attempt fails.
    public async Task SendWithRetriesAsync(DevPayment payment)
    {
        var (status, amount) = book.Update(payment, p => (p.Status, p.ReportedAmount));
        if (await SendOnceAsync(payment, status, amount))
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            foreach (var pause in Pauses)
            {
                await Task.Delay(pause, clock);
                if (await SendOnceAsync(payment, status, amount))
                {
                    return;
                }
            }
        });
    }

    private async Task<bool> SendOnceAsync(DevPayment payment, string status, decimal amount)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new
        {
            paymentId = payment.Id,
            reference = payment.Reference,
            status,
            amount,
            currency = payment.Currency,
            occurredAt = clock.GetUtcNow(),
            reason = payment.Reason,
        }, JsonSerializerOptions.Web);
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, payment.CallbackUrl)
        {
            Content = new ByteArrayContent(body),
        };
        request.Content.Headers.ContentType = new("application/json") { CharSet = Encoding.UTF8.WebName };
        request.Headers.Add(
            PaymentCallbackSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(
            PaymentCallbackSignature.SignatureHeader,
            PaymentCallbackSignature.Sign(configuration[SecretKey] ?? "", timestamp, body));
        int? answer = null;
        string? error = null;
        try
        {
            using var http = clients.CreateClient(ClientName);
            using var response = await http.SendAsync(request);
            answer = (int)response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            error = e.Message;
            logger.LogWarning("Callback for payment {PaymentId} failed: {Error}", payment.Id, e.Message);
        }

        book.Update(payment, p =>
        {
            p.Callbacks.Add(new CallbackAttempt(clock.GetUtcNow(), status, amount, answer, error));
            return 0;
        });
        return answer is >= 200 and < 300;
    }
}
