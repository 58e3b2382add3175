using System.ComponentModel.DataAnnotations;
using MailKit.Security;

namespace Introserv.Notifications.Delivery;

/// <summary>Section <c>Smtp</c>: the relay every mail goes through, and the retry rules.</summary>
public sealed class SmtpSettings
{
    public const string SectionName = "Smtp";

    /// <summary>The relay; until it is set, messages wait in the queue (and the worker says so in the log).</summary>
    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    /// <summary><c>StartTls</c> (default), <c>SslOnConnect</c>, <c>StartTlsWhenAvailable</c>, <c>Auto</c> or <c>None</c> (development catchers only).</summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.StartTls;

    public string? Username { get; set; }

    public string? Password { get; set; }

    [Required]
    [EmailAddress]
    public string From { get; set; } = "billing@introserv.localhost";

    public string FromName { get; set; } = "Introserv";

    /// <summary>Attempts before a message is given up as failed (permanent SMTP refusals fail at once).</summary>
    [Range(1, 50)]
    public int MaxAttempts { get; set; } = 10;

    /// <summary>Wait after the first failure; doubled after each further one, up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>How often the worker looks for due messages.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan RetryDelay(int attempts) =>
        TimeSpan.FromTicks(Math.Min(MaxRetryDelay.Ticks, FirstRetryDelay.Ticks * (1L << Math.Min(attempts - 1, 20))));
}
