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
// fails in the middle of a batch (a restart, a failover), the lane keeps what it knows: mails that went out but could
// not be recorded are recorded before anything else (never sent again), and the messages it still holds are claimed
// again at its next batch instead of waiting for their lease to run out. A batch's sends are recorded together when it
// ends (see SendBatchAsync); a stopping lane records them and gives back what it has not sent (FinishLaneAsync).
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

    // How long a stopping worker still gives a send under way, and then the recording of its batch.
    public static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

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
            if (stoppingToken.IsCancellationRequested)
            {
                await FinishLaneAsync(lane);
            }
        }
    }

    // Stopping (a deployment, a scale-in): what the lane sent is recorded, so that a restart does not send it again,
    // and what it holds unsent goes back to the queue at once, for another replica, instead of after its lease. Best
    // effort, for StopGrace: what it cannot do is done by the lease running out, as after a crash.
    private async Task FinishLaneAsync(Lane lane)
    {
        if (!lane.HasLeftovers)
        {
            return;
        }

        try
        {
            using var grace = new CancellationTokenSource(StopGrace, clock);
            await using var scope = scopes.CreateAsyncScope();
            var leases = new DeliveryLeases(scope.ServiceProvider.GetRequiredService<NotificationsDbContext>(),
                lane.Lease, options.Value, clock);
            await RecordSentAsync(lane, leases, grace.Token);
            await leases.ReleaseAsync(lane.Held, grace.Token);
            lane.Held.Clear();
        }
        catch (Exception error)
        {
            LogStopUnfinished(logger, lane.Unrecorded.Count, lane.Held.Count, error.Message);
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
        // The mails a failed batch sent but could not mark sent (conditional on the lane's lease: one that ran out and
        // was taken over changes nothing). Until they are recorded the lane claims nothing new.
        await RecordSentAsync(lane, leases, cancellationToken);
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
            foreach (var notification in batch.Where(n => lane.Held.Contains(n.Id)).ToList())
            {
                await FailedAttemptAsync(leases, notification, error, cancellationToken);
                lane.Held.Remove(notification.Id);
            }

            return (batch.Count, Drop(client));
        }
    }

    // Sends the batch; false when the connection broke (the messages not tried are due again at once). A message
    // leaves lane.Held once it is sent or its failure recorded. The sends are recorded together, in one statement,
    // when the batch ends (a lease renewal in between covers them too): a crash of the process in between
    // sends the mails of that batch again once their lease runs out (at most BatchSize, with the same Message-ID). A
    // failure of the database does not: lane.Unrecorded is recorded before the lane claims anything new, unless the
    // outage outlasts the lease and another worker takes them first.
    private async Task<bool> SendBatchAsync(
        SmtpClient client, Lane lane, DeliveryLeases leases, List<Notification> batch,
        CancellationToken cancellationToken)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var notification = batch[i];
            // A renewal extends the unsent messages' lease and the sent ones' not yet recorded alike.
            if (!await leases.HoldForSendAsync(notification, batch[i..], lane.Unrecorded, cancellationToken))
            {
                LogLeaseLost(logger, notification.Id);
                lane.Held.Remove(notification.Id);
                continue;
            }

            try
            {
                await SendOneAsync(client, notification, cancellationToken);
            }
            catch (Exception error) when (error is SmtpCommandException or MimeKit.ParseException
                || IsRelayFailure(error, CancellationToken.None))
            {
                if (cancellationToken.IsCancellationRequested
                    && error is not (SmtpCommandException or MimeKit.ParseException))
                {
                    // Cut off by the stop: it may have gone out, so it is neither recorded nor given back; its lease
                    // runs out and it is sent then.
                    lane.Held.Remove(notification.Id);
                    throw;
                }

                await FailedAttemptAsync(leases, notification, error, cancellationToken);
                lane.Held.Remove(notification.Id);
                if (error is not (SmtpCommandException or MimeKit.ParseException))
                {
                    var untried = batch.Skip(i + 1).ToList();
                    await leases.ReleaseAsync(untried, cancellationToken);
                    lane.Held.ExceptWith(untried.Select(n => n.Id));
                    await RecordSentAsync(lane, leases, cancellationToken);
                    return false;
                }

                continue;
            }

            // The mail is out: from here on it is never sent again by this lane, recorded or not.
            lane.Held.Remove(notification.Id);
            lane.Unrecorded.Add(notification);
        }

        await RecordSentAsync(lane, leases, cancellationToken);
        return true;
    }

    // One send, cut off after Smtp:Timeout. Stopping lets a send under way finish for up to StopGrace (never past its
    // timeout): a mail cut off in the middle may have gone out all the same, and would go out again after a restart.
    private async Task SendOneAsync(SmtpClient client, Notification notification, CancellationToken stopping)
    {
        var deadline = clock.GetUtcNow() + options.Value.Timeout;
        using var timeout = new CancellationTokenSource(options.Value.Timeout, clock);
        using var onStop = stopping.Register(() =>
        {
            if (deadline - clock.GetUtcNow() > StopGrace)
            {
                timeout.CancelAfter(StopGrace);
            }
        });
        await sender.SendAsync(client, notification, timeout.Token);
    }

    // Marks lane.Unrecorded sent; when the database fails they stay there, for the lane's next batch.
    private async Task RecordSentAsync(Lane lane, DeliveryLeases leases, CancellationToken cancellationToken)
    {
        if (lane.Unrecorded.Count == 0)
        {
            return;
        }

        int recorded;
        try
        {
            recorded = await leases.MarkSentAsync(lane.Unrecorded, cancellationToken);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            LogSentUnrecorded(logger, lane.Unrecorded.Count, error.Message);
            throw;
        }

        if (recorded < lane.Unrecorded.Count)
        {
            // Their lease ran out (a database outage longer than it) and another worker took them: it may send them
            // again.
            LogSentTakenOver(logger, lane.Unrecorded.Count - recorded);
        }

        foreach (var notification in lane.Unrecorded)
        {
            _sent.Add(1, new KeyValuePair<string, object?>("type", notification.Type));
            LogSent(logger, notification.Id, notification.Type, notification.Attempts + 1);
        }

        lane.Unrecorded.Clear();
    }

    // One connection's worth of work: its lease id (kept for the lane's life, so it can take back what it held), the
    // messages of its current batch not sent yet, and mails sent but not yet recorded.
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
        Message = "{Count} sent notification(s) could not be recorded yet; they will be, and are not sent again: " +
            "{Error}")]
    private static partial void LogSentUnrecorded(ILogger logger, int count, string error);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "{Count} sent notification(s) were taken over by another worker before they could be recorded")]
    private static partial void LogSentTakenOver(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Stopping: {Unrecorded} sent notification(s) not recorded and {Held} not given back; their lease " +
            "runs out: {Error}")]
    private static partial void LogStopUnfinished(ILogger logger, int unrecorded, int held, string error);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Smtp:Host is not set: messages stay queued until an SMTP relay is configured")]
    private static partial void LogNotConfigured(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "A delivery batch failed")]
    private static partial void LogBatchFailed(ILogger logger, Exception error);
}
