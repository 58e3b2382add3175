using System.ComponentModel.DataAnnotations;

namespace Introserv.Verification.Telephony;

/// <summary>
/// Section <c>Telephony</c>: a primary and a secondary gateway per channel. Each is an HTTP API described by
/// configuration, so any SMS or voice provider can be plugged in without code.
/// </summary>
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
                if (gateway?.Url is { } url && (!url.IsAbsoluteUri || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp)))
                {
                    yield return new ValidationResult($"Telephony:{channel}:{role}:Url must be an absolute http(s) URL.");
                }

                if (gateway is not null && (gateway.Timeout <= TimeSpan.Zero || gateway.Timeout > TimeSpan.FromSeconds(60)))
                {
                    yield return new ValidationResult($"Telephony:{channel}:{role}:Timeout must be between 0 and 60 seconds.");
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

/// <summary>
/// One provider's HTTP API. The body template's placeholders are <c>{{to}}</c> (E.164), <c>{{delivery}}</c>
/// (<c>sms</c>, <c>flash_call</c>, <c>voice_call</c>), <c>{{code}}</c> (for a flash call: the last four digits
/// of the calling number), <c>{{text}}</c> (the message, or the words to speak), <c>{{reference}}</c> (the
/// challenge id, for the provider's de-duplication) and <c>{{ttlSeconds}}</c>; values are JSON-escaped when the
/// content type is JSON.
/// </summary>
public sealed class HttpGatewayOptions
{
    public const string DefaultBodyTemplate =
        """{"to":"{{to}}","kind":"{{delivery}}","code":"{{code}}","text":"{{text}}","reference":"{{reference}}"}""";

    /// <summary>Shown in logs and the attempt log, e.g. the provider's name.</summary>
    public string Name { get; set; } = "unnamed";

    public Uri? Url { get; set; }

    public string Method { get; set; } = "POST";

    /// <summary>Headers sent with every call, e.g. <c>Authorization</c>; values are secrets (never logged).</summary>
    public Dictionary<string, string> Headers { get; set; } = [];

    public string ContentType { get; set; } = "application/json";

    public string BodyTemplate { get; set; } = DefaultBodyTemplate;

    /// <summary>How long to wait for the provider before trying the other gateway.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Optional: a dotted path into the JSON response that must equal <see cref="SuccessValue"/> (besides a 2xx status).</summary>
    public string? SuccessJsonPath { get; set; }

    public string? SuccessValue { get; set; }
}
