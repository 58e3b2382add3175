using System.ComponentModel.DataAnnotations;

namespace Introserv.Notifications.Webhooks;

// Section Webhooks: how deliveries to the provider's systems are made.
public sealed class WebhookOptions
{
    public const string SectionName = "Webhooks";

    // Whether events are recorded for webhooks and delivered (read at start-up, see AddNotificationsServices).
    public bool Enabled { get; set; } = true;

    // Whether endpoints may be plain http and point at loopback, private or link-local addresses. Null: only in
    // Development. Outside it, a target is https and every address its name resolves to (at each connection) public.
    public bool? AllowLocalTargets { get; set; }

    // How long one delivery may take (connect, send, the answer's headers and its first bytes).
    [Range(typeof(TimeSpan), "00:00:01", "00:01:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    // The default retry schedule (Standard Webhooks'): about 27 hours of retries.
    public static readonly IReadOnlyList<TimeSpan> DefaultRetrySchedule =
    [
        TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2),
        TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10),
    ];

    // The delay before each retry of a failed delivery; after the last a delivery fails for good and its endpoint is
    // disabled. None configured: DefaultRetrySchedule. (A configured list replaces the default; it is not appended.)
    public TimeSpan[]? RetrySchedule { get; set; }

    public IReadOnlyList<TimeSpan> Retries =>
        RetrySchedule is { Length: > 0 } schedule ? schedule : DefaultRetrySchedule;

    // How often the dispatcher looks for due deliveries when nothing woke it.
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    // How long a claimed delivery stays with the replica that claimed it (longer than Timeout).
    [Range(typeof(TimeSpan), "00:00:05", "00:10:00")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(60);

    // Deliveries sent at once by one replica (to different endpoints or orders; one order's events go one by one).
    [Range(1, 64)]
    public int Concurrency { get; set; } = 8;

    // How long the delivery log (deliveries, attempts and the events' payloads) is kept.
    [Range(typeof(TimeSpan), "01:00:00", "365.00:00:00")]
    public TimeSpan LogRetention { get; set; } = TimeSpan.FromDays(30);

    // Where the notice goes when an endpoint is disabled (none: the log's warning only).
    [ServiceDefaults.Email]
    public string? StaffEmail { get; set; }

    // The key endpoints' signing secrets are encrypted under (base64 of 32 random bytes; WebhookSecretProtector).
    // Required outside Development.
    public string? SecretKey { get; set; }

    // The key before the last replacement, while secrets written under it remain (base64 of 32 bytes, or empty).
    public string? PreviousSecretKey { get; set; }

    // The 32 bytes of a configured key; null when none is configured or it is not base64 of 32 bytes.
    public static byte[]? ReadKey(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var buffer = new byte[64];
        return Convert.TryFromBase64String(value.Trim(), buffer, out var written) && written == 32
            ? buffer[..32]
            : null;
    }

    public bool LocalTargetsAllowed(IHostEnvironment environment) =>
        AllowLocalTargets ?? environment.IsDevelopment();
}
