using System.ComponentModel.DataAnnotations;

namespace Introserv.Verification.Telephony;

// Section Telephony: a primary and a secondary gateway per channel. Each is an HTTP API described by configuration, so
// any SMS or voice provider can be plugged in without code.
public sealed class TelephonyOptions : IValidatableObject
{
    public const string SectionName = "Telephony";

    public ChannelGateways Sms { get; set; } = new();

    public ChannelGateways Call { get; set; } = new();

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var (channel, gateways) in new[] { ("Sms", Sms), ("Call", Call) })
        {
            if (gateways.Primary?.Url is null)
            {
                yield return new ValidationResult($"Telephony:{channel}:Primary:Url is required.");
            }

            foreach (var (role, gateway) in new[] { ("Primary", gateways.Primary), ("Secondary", gateways.Secondary) })
            {
                if (gateway?.Url is { } url
                    && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp)))
                {
                    yield return new ValidationResult(
                        $"Telephony:{channel}:{role}:Url must be an absolute http(s) URL.");
                }

                if (gateway is not null
                    && (gateway.Timeout <= TimeSpan.Zero || gateway.Timeout > TimeSpan.FromSeconds(60)))
                {
                    yield return new ValidationResult(
                        $"Telephony:{channel}:{role}:Timeout must be between 0 and 60 seconds.");
                }
            }
        }
    }

    public ChannelGateways For(string channel) => channel == Contracts.VerificationChannels.Sms ? Sms : Call;
}

public sealed class ChannelGateways
{
    public HttpGatewayOptions? Primary { get; set; }

    public HttpGatewayOptions? Secondary { get; set; }
}

// One provider's HTTP API. The body template's placeholders are {{to}} (E.164), {{delivery}} (sms, flash_call,
// voice_call), {{code}} (for a flash call: the last four digits of the calling number), {{text}} (the message, or the
// words to speak), {{reference}} (the challenge id, for the provider's de-duplication) and {{ttlSeconds}}; values are
// JSON-escaped when the content type is JSON.
public sealed class HttpGatewayOptions
{
    public const string DefaultBodyTemplate =
        """{"to":"{{to}}","kind":"{{delivery}}","code":"{{code}}","text":"{{text}}","reference":"{{reference}}"}""";

    // Shown in logs and the attempt log, e.g. the provider's name.
    public string Name { get; set; } = "unnamed";

    public Uri? Url { get; set; }

    public string Method { get; set; } = "POST";

    // Headers sent with every call, e.g. Authorization; values are secrets (never logged).
    public Dictionary<string, string> Headers { get; set; } = [];

    public string ContentType { get; set; } = "application/json";

    public string BodyTemplate { get; set; } = DefaultBodyTemplate;

    // How long to wait for the provider before trying the other gateway.
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    // Optional: a dotted path into the JSON response that must equal SuccessValue (besides a 2xx status).
    public string? SuccessJsonPath { get; set; }

    public string? SuccessValue { get; set; }
}
