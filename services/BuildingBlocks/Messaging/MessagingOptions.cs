namespace Introserv.BuildingBlocks.Messaging;

/// <summary>Settings of the outbox dispatcher and consumers (section <c>Messaging</c>).</summary>
public sealed class MessagingOptions
{
    public const string SectionName = "Messaging";

    /// <summary>Rows published per batch (one transaction, publishes in flight together).</summary>
    public int BatchSize { get; set; } = 200;

    /// <summary>How often the dispatcher looks for rows when nothing signalled it.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long one batch may wait for the broker's confirms before it counts as failed.</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest pause between attempts while the broker is unreachable.</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Attempts at publishing a row that fails by itself (unknown type, payload that does not deserialise or
    /// serialise) before it moves to the <c>outbox_dead_letters</c> table. A broker outage counts no attempts.
    /// </summary>
    public int MaxPublishAttempts { get; set; } = 5;

    /// <summary>
    /// Wait after a row's first failure of its own, doubled after each further one (1, 2, 4, 8 minutes: 15 minutes
    /// before the fifth and last attempt). Long enough for a rolling update: a row of a type only the new version
    /// knows, claimed by an old replica, is published by a new one meanwhile.
    /// </summary>
    public TimeSpan PoisonRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Sent outbox rows and inbox rows older than this are deleted.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often old rows are pruned.</summary>
    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Immediate retries of a failing consumer before the message goes to its <c>_error</c> queue.</summary>
    public int RetryLimit { get; set; } = 5;

    public TimeSpan RetryMinInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Prefix of this service's queue names (default: the service's name, e.g. <c>Profile</c> for
    /// <c>profile-account-registered</c>): separates services, and installations or test hosts sharing a broker,
    /// that would otherwise take each other's messages.
    /// </summary>
    public string? EndpointPrefix { get; set; }

    /// <summary>Queues the broker deletes once unused for <see cref="TemporaryEndpointExpiry"/> (test hosts only; production queues stay).</summary>
    public bool TemporaryEndpoints { get; set; }

    /// <summary>How long a temporary queue may go unused before the broker deletes it.</summary>
    public TimeSpan TemporaryEndpointExpiry { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long the dispatcher may keep failing before readiness reports it unhealthy.</summary>
    public TimeSpan UnhealthyAfter { get; set; } = TimeSpan.FromSeconds(60);
}
