using System.Diagnostics.Metrics;
using Introserv.BuildingBlocks.Data;
using Introserv.Notifications.Data;
using Introserv.ServiceDefaults;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;

namespace Introserv.Notifications.Delivery;

// Sends queued messages over SmtpOptions.Connections connections at once. A batch is claimed under a lease (FOR UPDATE
// SKIP LOCKED, so lanes and replicas share the work) and sent over one SMTP connection, reused for the next batch while
// there is work. A send starts only while the lease has two send timeouts left (otherwise the rest of the batch's lease
// is renewed first, and only if it is still this worker's), and a send is cut off after SmtpOptions.Timeout, so no
// message is ever being sent by two workers. A 5xx refusal or an unwritable address fails a message for good; anything
// else (relay unreachable, timeouts, 4xx) retries it with capped back-off for as long as it takes. When the database
// fails in the middle of a batch (a restart, a failover), the lane keeps what it knows: a mail that went out but could
// not be recorded is recorded before anything else (never sent again), and the messages it still holds are claimed
// again at its next batch instead of waiting for their lease to run out.
public sealed partial class DeliveryWorker(
    IServiceScopeFactory scopes,
    MigrationState<NotificationsDbContext> migrations,
    MailSender sender,
    IOptions<SmtpOptions> options,
    TimeProvider clock,
    IMeterFactory meters,
    ILogger<DeliveryWorker> logger) : BackgroundService
{
    public const int BatchSize = 20;

    private readonly SemaphoreSlim _moreWork = new(0);
    private int _idleLanes;
    private bool _warnedUnconfigured;
    private readonly Counter<long> _sent = meters
        .Create("Introserv.Notifications")
        .CreateCounter<long>("introserv.notifications.sent");
    private readonly Counter<long> _failed = meters
        .Create("Introserv.Notifications")
        .CreateCounter<long>("introserv.notifications.failed_attempts");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // Nothing to claim before the tables exist (a new database is being migrated).
            await migrations.WhenApplied(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        await Task.WhenAll(
            Enumerable.Range(0, options.Value.Connections)
                .Select(lane => RunLaneAsync(lead: lane == 0, stoppingToken)));
    }

    // Sends one batch of due messages over a connection of its own; returns how many were claimed.
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var (claimed, client) = await RunBatchAsync(new Lane(), null, cancellationToken);
        await CloseAsync(client, cancellationToken);
        return claimed;
    }

    // One lane: batch after batch over one connection, kept open while there is work and closed when the queue
    // is empty (a relay drops idle connections). Replicas and lanes claim disjoint batches (SKIP LOCKED). Only the
    // lead lane polls an empty queue; it wakes the others when it finds a full batch, so an idle service asks the
    // database once per poll interval, not once per connection.
    private async Task RunLaneAsync(bool lead, CancellationToken stoppingToken)
    {
        SmtpClient? client = null;
        var lane = new Lane();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var claimed = 0;
                try
                {
                    (claimed, client) = await RunBatchAsync(lane, client, stoppingToken);
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    LogBatchFailed(logger, error);
                    client = Drop(client);
                }

                if (claimed >= BatchSize && lead && Interlocked.Exchange(ref _idleLanes, 0) is > 0 and var idle)
                {
                    _moreWork.Release(idle);
                }

                if (claimed < BatchSize)
                {
                    client = await CloseAsync(client, stoppingToken);
                    // A lane left holding messages by a failure comes back for them itself.
                    await WaitForWorkAsync(lead || lane.HasLeftovers, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            client?.Dispose();
        }
    }

    private async Task WaitForWorkAsync(bool poll, CancellationToken stoppingToken)
    {
        if (poll)
        {
            await Task.Delay(options.Value.PollInterval, clock, stoppingToken);
            return;
        }

        Interlocked.Increment(ref _idleLanes);
        await _moreWork.WaitAsync(stoppingToken);
    }

    private async Task<(int Claimed, SmtpClient? Client)> RunBatchAsync(
        Lane lane, SmtpClient? client, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.Value.Host))
        {
            if (!_warnedUnconfigured)
            {
                _warnedUnconfigured = true;
                LogNotConfigured(logger);
            }

            return (0, client);
        }

        await using var scope = scopes.CreateAsyncScope();
        var leases = new DeliveryLeases(scope.ServiceProvider.GetRequiredService<NotificationsDbContext>(),
            lane.Lease, options.Value, clock);
        await RecordLeftoverSendsAsync(lane, leases, cancellationToken);
        List<Notification> batch;
        using (QuietPolling.Begin())
        {
            batch = await leases.ClaimAsync(BatchSize, lane.Held, cancellationToken);
        }

        lane.Held.Clear();
        lane.Held.UnionWith(batch.Select(n => n.Id));
        if (batch.Count == 0)
        {
            return (0, client);
        }

        try
        {
            if (client is not { IsConnected: true })
            {
                client = Drop(client);
                client = await sender.ConnectAsync(cancellationToken);
            }

            return (
                batch.Count,
                await SendBatchAsync(client, lane, leases, batch, cancellationToken) ? client : Drop(client));
        }
        catch (Exception error) when (IsRelayFailure(error, cancellationToken))
        {
            // No connection (or no login): every message of the batch was to go over it, and waits for its retry.
            LogRelayUnavailable(logger, batch.Count, error.Message);
            foreach (var notification in batch)
            {
                await FailedAttemptAsync(leases, notification, error, cancellationToken);
                lane.Held.Remove(notification.Id);
            }

            return (batch.Count, Drop(client));
        }
    }

    // Records the mails a failed batch sent but could not mark sent (conditional on the lane's lease: one that ran out
    // and was taken over changes nothing). Until that succeeds the lane claims nothing new.
    private static async Task RecordLeftoverSendsAsync(
        Lane lane, DeliveryLeases leases, CancellationToken cancellationToken)
    {
        while (lane.Unrecorded.Count > 0)
        {
            await leases.MarkSentAsync(lane.Unrecorded[0], cancellationToken);
            lane.Unrecorded.RemoveAt(0);
        }
    }

    // Sends the batch; false when the connection broke (the messages not tried are due again at once). A message
    // leaves lane.Held once its outcome is recorded; when the database fails, what is left stays held.
    private async Task<bool> SendBatchAsync(
        SmtpClient client, Lane lane, DeliveryLeases leases, List<Notification> batch,
        CancellationToken cancellationToken)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            var notification = batch[i];
            if (!await leases.HoldForSendAsync(notification, batch[i..], cancellationToken))
            {
                LogLeaseLost(logger, notification.Id);
                lane.Held.Remove(notification.Id);
                continue;
            }

            try
            {
                using var timeout = new CancellationTokenSource(options.Value.Timeout, clock);
                using var send = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
                await sender.SendAsync(client, notification, send.Token);
            }
            catch (Exception error) when (error is SmtpCommandException or MimeKit.ParseException
                || IsRelayFailure(error, cancellationToken))
            {
                await FailedAttemptAsync(leases, notification, error, cancellationToken);
                lane.Held.Remove(notification.Id);
                if (error is not (SmtpCommandException or MimeKit.ParseException))
                {
                    var untried = batch.Skip(i + 1).ToList();
                    await leases.ReleaseAsync(untried, cancellationToken);
                    lane.Held.ExceptWith(untried.Select(n => n.Id));
                    return false;
                }

                continue;
            }

            lane.Held.Remove(notification.Id);
            try
            {
                await leases.MarkSentAsync(notification, cancellationToken);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                // The mail is out: it is recorded at the lane's next batch, and not sent again.
                lane.Unrecorded.Add(notification);
                LogSentUnrecorded(logger, notification.Id, error.Message);
                throw;
            }

            _sent.Add(1, new KeyValuePair<string, object?>("type", notification.Type));
            LogSent(logger, notification.Id, notification.Type, notification.Attempts + 1);
        }

        return true;
    }

    // One connection's worth of work: its lease id (kept for the lane's life, so it can take back what it held), the
    // messages of its current batch, and mails sent but not yet recorded.
    private sealed class Lane
    {
        public Guid Lease { get; } = Guid.CreateVersion7();

        public HashSet<Guid> Held { get; } = [];

        public List<Notification> Unrecorded { get; } = [];

        public bool HasLeftovers => Held.Count > 0 || Unrecorded.Count > 0;
    }

    public override void Dispose()
    {
        _moreWork.Dispose();
        base.Dispose();
    }

    private static SmtpClient? Drop(SmtpClient? client)
    {
        client?.Dispose();
        return null;
    }

    private static async Task<SmtpClient?> CloseAsync(SmtpClient? client, CancellationToken cancellationToken)
    {
        if (client is { IsConnected: true })
        {
            try
            {
                await client.DisconnectAsync(true, cancellationToken);
            }
            catch (Exception error)
                when (error is IOException or SmtpProtocolException or SmtpCommandException
                    or System.Net.Sockets.SocketException)
            {
                // Saying goodbye to a relay that is gone already changes nothing.
            }
        }

        return Drop(client);
    }

    private static bool IsRelayFailure(Exception error, CancellationToken stopping) =>
        error is SmtpCommandException or SmtpProtocolException or IOException or TimeoutException
            or System.Net.Sockets.SocketException or MailKit.ServiceNotConnectedException
            or MailKit.Security.AuthenticationException or MailKit.Security.SslHandshakeException
        || (error is OperationCanceledException && !stopping.IsCancellationRequested);

    private async Task FailedAttemptAsync(
        DeliveryLeases leases, Notification notification, Exception error, CancellationToken cancellationToken)
    {
        // A refusal of this message with a 5xx reply, or an address that cannot be written: another attempt would end
        // the same.
        var permanent = error is SmtpCommandException { StatusCode: >= (SmtpStatusCode)500 } or MimeKit.ParseException;
        var message = error is SmtpCommandException command
            ? $"{error.GetType().Name} {(int)command.StatusCode}: {error.Message}"
            : $"{error.GetType().Name}: {error.Message}";
        message = message.Length > Notification.ErrorMaxLength ? message[..Notification.ErrorMaxLength] : message;
        var (attempts, next) = await leases.MarkFailedAttemptAsync(notification, permanent, message, cancellationToken);
        _failed.Add(1, new KeyValuePair<string, object?>("type", notification.Type));
        if (permanent)
        {
            LogGaveUp(logger, notification.Id, notification.Type, attempts, message);
        }
        else
        {
            LogWillRetry(logger, notification.Id, notification.Type, attempts, next, message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Notification {NotificationId} ({Type}) sent after {Attempts} attempt(s)")]
    private static partial void LogSent(ILogger logger, Guid notificationId, string type, int attempts);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Notification {NotificationId} ({Type}) attempt {Attempts} failed, " +
            "retry at {NextAttemptAt}: {Error}")]
    private static partial void LogWillRetry(
        ILogger logger, Guid notificationId, string type, int attempts, DateTimeOffset nextAttemptAt, string error);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Notification {NotificationId} ({Type}) refused for good after {Attempts} attempt(s): {Error}")]
    private static partial void LogGaveUp(ILogger logger, Guid notificationId, string type, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "The SMTP relay is unavailable; {Count} message(s) will be retried: {Error}")]
    private static partial void LogRelayUnavailable(ILogger logger, int count, string error);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Notification {NotificationId} was taken over by another worker; this one does not send it")]
    private static partial void LogLeaseLost(ILogger logger, Guid notificationId);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Notification {NotificationId} was sent but could not be recorded yet; it will be, and is not " +
            "sent again: {Error}")]
    private static partial void LogSentUnrecorded(ILogger logger, Guid notificationId, string error);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Smtp:Host is not set: messages stay queued until an SMTP relay is configured")]
    private static partial void LogNotConfigured(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "A delivery batch failed")]
    private static partial void LogBatchFailed(ILogger logger, Exception error);
}
