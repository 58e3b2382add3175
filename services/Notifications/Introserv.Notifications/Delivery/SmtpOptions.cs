using System.ComponentModel.DataAnnotations;
using MailKit.Security;

namespace Introserv.Notifications.Delivery;

// Section Smtp: the relay every mail goes through, and the retry rules. Only a 5xx refusal of the message or an address
// that cannot be written fails a mail for good; while the relay is unreachable (refused, timing out, answering 4xx)
// mails wait, retried with capped back-off, however long that lasts.
public sealed class SmtpOptions : IValidatableObject
{
    public const string SectionName = "Smtp";

    // The relay; until it is set, messages wait in the queue (and the worker says so in the log).
    public string? Host { get; set; }

    [Range(1, 65535)]
    public int Port { get; set; } = 587;

    // StartTls (default), SslOnConnect, StartTlsWhenAvailable, Auto or None (development catchers only).
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.StartTls;

    public string? Username { get; set; }

    public string? Password { get; set; }

    [Required]
    [EmailAddress]
    public string From { get; set; } = "billing@introserv.localhost";

    public string FromName { get; set; } = "Introserv";

    // Wait after the first failure; doubled after each further one, up to MaxRetryDelay.
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(15);

    // Connections each replica sends over at once (each with batches of its own).
    [Range(1, 32)]
    public int Connections { get; set; } = 4;

    // How often the worker looks for due messages.
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    // Longest a connection, or one message's send, may take; a slower send is abandoned and retried.
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    // How long a claimed message belongs to one worker. Longer than two send timeouts, and renewed whenever less
    // than that is left before a send, so no other worker or replica can take a message while it is being sent.
    public TimeSpan Lease { get; set; } = TimeSpan.FromMinutes(2);

    public TimeSpan RetryDelay(int attempts) =>
        TimeSpan.FromTicks(Math.Min(MaxRetryDelay.Ticks, FirstRetryDelay.Ticks * (1L << Math.Min(attempts - 1, 20))));

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Lease <= 2 * Timeout)
        {
            yield return new ValidationResult(
                $"Smtp:Lease ({Lease}) must be longer than twice Smtp:Timeout ({Timeout}).", [nameof(Lease)]);
        }
    }
}
