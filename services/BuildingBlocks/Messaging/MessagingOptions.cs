namespace Introserv.BuildingBlocks.Messaging;

// Settings of the outbox dispatcher and consumers (section Messaging).
public sealed class MessagingOptions
{
    public const string SectionName = "Messaging";

    // Rows published per batch (one transaction, publishes in flight together).
    public int BatchSize { get; set; } = 200;

    // How often the dispatcher looks for rows when nothing signalled it.
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    // How long one batch may wait for the broker's confirms before it counts as failed.
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    // Longest pause between attempts while the broker is unreachable.
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    // Attempts at publishing a row that fails by itself (unknown type, payload that does not deserialise or serialise)
    // before it moves to the outbox_dead_letters table. A broker outage counts no attempts.
    public int MaxPublishAttempts { get; set; } = 5;

    // Wait after a row's first failure of its own, doubled after each further one (1, 2, 4, 8 minutes: 15 minutes
    // before the fifth and last attempt). Long enough for a rolling update: a row of a type only the new version
    // knows, claimed by an old replica, is published by a new one meanwhile.
    public TimeSpan PoisonRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    // Sent outbox rows and inbox rows older than this are deleted.
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    public TimeSpan PruneInterval { get; set; } = TimeSpan.FromMinutes(10);

    // Immediate retries of a failing consumer before the message goes to its _error queue.
    public int RetryLimit { get; set; } = 5;

    public TimeSpan RetryMinInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan RetryMaxInterval { get; set; } = TimeSpan.FromSeconds(5);

    // Retries of a consumer whose database is unavailable (DatabaseFailures.IsUnavailable) before the message goes to
    // its _error queue, with back-off from RetryMinInterval up to OutageRetryMaxInterval.
    public int OutageRetryLimit { get; set; } = 15;

    public TimeSpan OutageRetryMaxInterval { get; set; } = TimeSpan.FromSeconds(30);

    // Prefix of this service's queue names (default: the service's name, e.g. Profile for profile-account-registered):
    // separates services, and installations or test hosts sharing a broker, that would otherwise take each other's
    // messages.
    public string? EndpointPrefix { get; set; }

    // Every queue the service declares (its consumers' queues and their _error and _skipped queues) is a quorum
    // queue: replicated across a RabbitMQ cluster's nodes and kept on disk, so a node lost takes no message with it.
    // Off only for a broker older than RabbitMQ 3.8, which has no quorum queues (classic queues instead). Temporary
    // queues are classic queues either way (see TemporaryEndpoints).
    public bool QuorumQueues { get; set; } = true;

    // Queues the broker deletes once unused for TemporaryEndpointExpiry (test hosts only; production queues stay).
    // They are classic queues: RabbitMQ 3.10 can lose the publisher confirm of a message routed to a quorum queue
    // that is being deleted, and the publish would then wait for ever.
    public bool TemporaryEndpoints { get; set; }

    // How long a temporary queue may go unused before the broker deletes it.
    public TimeSpan TemporaryEndpointExpiry { get; set; } = TimeSpan.FromMinutes(2);

    // How long the dispatcher may keep failing before readiness reports it unhealthy.
    public TimeSpan UnhealthyAfter { get; set; } = TimeSpan.FromSeconds(60);
}
