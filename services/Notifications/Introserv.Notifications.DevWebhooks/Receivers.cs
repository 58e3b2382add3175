using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Introserv.Notifications.DevWebhooks;

// A delivery as it arrived at /receive/{receiver}: its Standard Webhooks headers, the body and whether the signature
// matched one of the receiver's secrets (null when the receiver has none). Duplicate: an earlier delivery to the same
// receiver had the same webhook-id (a retry or a replay). AnsweredStatus 0: the receiver was set to hang (no answer).
public sealed record Received(
    long Number, string Receiver, string? WebhookId, string? Timestamp, string? Type, string Body,
    bool? SignatureValid, string? SignatureProblem, bool Duplicate, int AnsweredStatus, DateTimeOffset ReceivedAt)
{
    // Whether the receiver took it (answered 2xx).
    public bool Accepted => AnsweredStatus is >= 200 and < 300;
}

// How a receiver answers and what it checks: its secrets (whsec_...), and how many of the next deliveries it refuses
// with FailStatus (to watch retries), or Hang to let them time out.
public sealed class ReceiverSettings
{
    public IReadOnlyList<string> Secrets { get; set; } = [];

    public int FailNext { get; set; }

    public int FailStatus { get; set; } = 503;

    public bool Hang { get; set; }
}

// What this receiver keeps (in memory: a development tool, emptied when it restarts).
public sealed class Receivers(TimeProvider clock)
{
    public const int MaxKept = 2000;

    // Signatures older or newer than this are refused, as Standard Webhooks asks of receivers.
    public static readonly TimeSpan Tolerance = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, ReceiverSettings> _settings = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Received> _received = new();
    private long _number;

    public ReceiverSettings Settings(string receiver) => _settings.GetOrAdd(receiver, _ => new ReceiverSettings());

    public void Configure(string receiver, ReceiverSettings settings) => _settings[receiver] = settings;

    public IReadOnlyList<Received> List(string? receiver) =>
        [.. _received.Where(r => receiver is null || r.Receiver == receiver).OrderByDescending(r => r.Number)];

    public void Clear() => _received.Clear();

    // Records a delivery and decides the answer.
    public Received Accept(string receiver, IHeaderDictionary headers, string body, string? type)
    {
        var settings = Settings(receiver);
        var id = headers["webhook-id"].ToString();
        var timestamp = headers["webhook-timestamp"].ToString();
        var (valid, problem) = settings.Secrets.Count == 0
            ? ((bool?)null, (string?)null)
            : Verify(settings.Secrets, id, timestamp, headers["webhook-signature"].ToString(), body);
        int status;
        lock (settings)
        {
            status = settings.Hang ? 0
                : settings.FailNext > 0 ? settings.FailStatus
                : StatusCodes.Status204NoContent;
            if (!settings.Hang && settings.FailNext > 0)
            {
                settings.FailNext--;
            }
        }

        var duplicate = _received.Any(r => r.Receiver == receiver && r.WebhookId == id && r.Accepted);
        var received = new Received(
            Interlocked.Increment(ref _number), receiver, Empty(id), Empty(timestamp), type, body, valid, problem,
            duplicate, status, clock.GetUtcNow());
        _received.Enqueue(received);
        while (_received.Count > MaxKept && _received.TryDequeue(out _))
        {
        }

        return received;
    }

    private static string? Empty(string value) => value.Length == 0 ? null : value;

    // Standard Webhooks verification, as a receiver does it: the timestamp within the tolerance, then any "v1,"
    // signature in the header equal (in constant time) to HMAC-SHA256 over "{id}.{timestamp}.{body}" with a secret.
    public (bool Valid, string? Problem) Verify(
        IReadOnlyList<string> secrets, string id, string timestamp, string signatures, string body)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        if (id.Length == 0 || timestamp.Length == 0 || signatures.Length == 0)
        {
            return (false, "webhook-id, webhook-timestamp or webhook-signature missing");
        }

        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            || seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds())
        {
            return (false, "webhook-timestamp is not a number of seconds");
        }

        var sent = DateTimeOffset.FromUnixTimeSeconds(seconds);
        if ((clock.GetUtcNow() - sent).Duration() > Tolerance)
        {
            return (false, "webhook-timestamp outside the tolerance (replayed or a wrong clock)");
        }

        var content = Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}");
        foreach (var secret in secrets)
        {
            byte[] key;
            try
            {
                key = Convert.FromBase64String(
                    secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret[6..] : secret);
            }
            catch (FormatException)
            {
                continue;
            }

            var expected = HMACSHA256.HashData(key, content);
            foreach (var signature in signatures.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (signature.StartsWith("v1,", StringComparison.Ordinal)
                    && TryBase64(signature[3..]) is { } given
                    && CryptographicOperations.FixedTimeEquals(given, expected))
                {
                    return (true, null);
                }
            }
        }

        return (false, "no signature matches the receiver's secrets");
    }

    private static byte[]? TryBase64(string text)
    {
        var buffer = new byte[(text.Length * 3 / 4) + 3];
        return Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : null;
    }
}
