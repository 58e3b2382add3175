using System.Collections.Concurrent;

namespace Introserv.Verification.DevGateway;

// A message or call the stand-in provider received, as a developer needs to see it (code included).
public sealed record ReceivedMessage(
    long Sequence, string Gateway, DateTimeOffset ReceivedAt, string? To, string? Kind, string? Code, string? Text,
    string? Reference, string Outcome);

// How a stand-in gateway answers, so a developer (or a test) can make it fail and watch the fallback.
public static class GatewayModes
{
    public const string Deliver = "deliver";
    public const string Fail = "fail";
    public const string Timeout = "timeout";

    public static readonly IReadOnlyList<string> All = [Deliver, Fail, Timeout];
}

// The last messages per stand-in gateway (a development tool: memory is enough) and each gateway's mode.
public sealed class TelephonyInbox
{
    public const int Capacity = 200;

    private readonly ConcurrentQueue<ReceivedMessage> _messages = new();
    private readonly ConcurrentDictionary<string, string> _modes = new(StringComparer.OrdinalIgnoreCase);
    private long _sequence;

    public string ModeOf(string gateway) => _modes.GetValueOrDefault(gateway, GatewayModes.Deliver);

    public void SetMode(string gateway, string mode) => _modes[gateway] = mode;

    public IReadOnlyDictionary<string, string> Modes => _modes;

    public ReceivedMessage Add(
        string gateway, DateTimeOffset at, string? to, string? kind, string? code, string? text, string? reference,
        string outcome)
    {
        var message = new ReceivedMessage(
            Interlocked.Increment(ref _sequence), gateway, at, to, kind, code, text, reference, outcome);
        _messages.Enqueue(message);
        while (_messages.Count > Capacity && _messages.TryDequeue(out _))
        {
        }

        return message;
    }

    // Newest first; optionally only those to one number.
    public IReadOnlyList<ReceivedMessage> List(string? to = null) =>
        [.. _messages.Where(m => to is null || m.To == to).OrderByDescending(m => m.Sequence)];

    public void Clear()
    {
        while (_messages.TryDequeue(out _))
        {
        }
    }
}
