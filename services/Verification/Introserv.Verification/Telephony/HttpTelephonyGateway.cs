using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Introserv.Verification.Telephony;

// Calls a provider's HTTP API as its HttpGatewayOptions describe. No retries here: a retried request can mean a second
// text message; the fallback is the other gateway.
public sealed class HttpTelephonyGateway(HttpClient http)
{
    public async Task<GatewayResult> SendAsync(
        HttpGatewayOptions gateway, TelephonyMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(message);
        if (gateway.Url is null)
        {
            return new GatewayResult(GatewayOutcomes.NotConfigured, null, "no URL configured");
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(gateway.Timeout);
        try
        {
            using var request = new HttpRequestMessage(new HttpMethod(gateway.Method), gateway.Url)
            {
                Content = new StringContent(Render(gateway, message), Encoding.UTF8, gateway.ContentType),
            };
            foreach (var (name, value) in gateway.Headers.Where(h => !string.IsNullOrWhiteSpace(h.Value)))
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            var status = (int)response.StatusCode;
            if (!response.IsSuccessStatusCode)
            {
                return new GatewayResult(GatewayOutcomes.Rejected, status, $"HTTP {status}");
            }

            if (gateway.SuccessJsonPath is { Length: > 0 } path)
            {
                var body = await response.Content.ReadAsStringAsync(timeout.Token);
                if (!MatchesSuccess(body, path, gateway.SuccessValue))
                {
                    return new GatewayResult(
                        GatewayOutcomes.Rejected, status, $"response field '{path}' is not '{gateway.SuccessValue}'");
                }
            }

            return new GatewayResult(GatewayOutcomes.Delivered, status, null);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new GatewayResult(
                GatewayOutcomes.Timeout, null, $"no answer within {gateway.Timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException error)
        {
            // The message names the host and the socket error, never the request body.
            return new GatewayResult(GatewayOutcomes.Unreachable, null, error.HttpRequestError.ToString());
        }
    }

    public static string Render(HttpGatewayOptions gateway, TelephonyMessage message)
    {
        ArgumentNullException.ThrowIfNull(gateway);
        ArgumentNullException.ThrowIfNull(message);
        var json = gateway.ContentType.Contains("json", StringComparison.OrdinalIgnoreCase);
        string Value(string raw) =>
            json
                ? JsonEncodedText.Encode(raw, JavaScriptEncoder.UnsafeRelaxedJsonEscaping).ToString()
                : Uri.EscapeDataString(raw);
        return gateway.BodyTemplate
            .Replace("{{to}}", Value(message.To), StringComparison.Ordinal)
            .Replace("{{delivery}}", Value(message.Delivery), StringComparison.Ordinal)
            .Replace("{{code}}", Value(message.Code), StringComparison.Ordinal)
            .Replace("{{text}}", Value(message.Text), StringComparison.Ordinal)
            .Replace("{{reference}}", Value(message.ChallengeId.ToString("D")), StringComparison.Ordinal)
            .Replace("{{ttlSeconds}}", ((int)message.Lifetime.TotalSeconds).ToString(CultureInfo.InvariantCulture),
                StringComparison.Ordinal);
    }

    private static bool MatchesSuccess(string body, string path, string? expected)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            var element = document.RootElement;
            foreach (var part in path.Split('.'))
            {
                if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(part, out element))
                {
                    return false;
                }
            }

            var actual = element.ValueKind == JsonValueKind.String ? element.GetString() : element.GetRawText();
            return string.Equals(actual, expected, StringComparison.OrdinalIgnoreCase);
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
