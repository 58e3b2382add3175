using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Introserv.Verification;

// Meter Introserv.Verification: requests for a code refused before anything was sent.
public sealed class VerificationMetrics : IDisposable
{
    public const string MeterName = "Introserv.Verification";
    public const string RefusalsInstrument = "introserv.verification.refusals";

    private readonly Meter _meter;
    private readonly Counter<long> _refusals;

    public VerificationMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _meter = meterFactory.Create(MeterName);
        _refusals = _meter.CreateCounter<long>(RefusalsInstrument,
            description: "Challenges and resends refused before a text or call was sent, " +
                "by reason (the problem code), channel and country");
    }

    // One refusal: the problem code as reason, the channel (sms, call), the number's ISO region and, for an exhausted
    // budget, its scope (global or country).
    public void Refused(string reason, string channel, string country, string? scope = null)
    {
        var tags = new TagList
        {
            { "reason", reason },
            { "channel", channel },
            { "country", country },
        };
        if (scope is not null)
        {
            tags.Add("scope", scope);
        }

        _refusals.Add(1, tags);
    }

    public void Dispose() => _meter.Dispose();
}
