using System.Diagnostics.Metrics;
using MailKit.Net.Smtp;
using Introserv.Notifications.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Introserv.Notifications.Delivery;

/// <summary>
/// Sends queued messages. A batch is claimed with a short lease (FOR UPDATE SKIP LOCKED, so replicas share the
/// work), sent over one SMTP connection, and each message marked sent, or retried with back-off, or failed for
/// good after a permanent refusal or the last attempt.
/// </summary>
public sealed partial class DeliveryWorker(
    IServiceScopeFactory scopes,
    MailSender sender,
    IOptions<SmtpSettings> options,
    TimeProvider clock,
    IMeterFactory meters,
    ILogger<DeliveryWorker> logger) : BackgroundService
{
    public const int BatchSize = 20;
    public static readonly TimeSpan Lease = TimeSpan.FromMinutes(2);

    private bool _warnedUnconfigured;
    private readonly Counter<long> _sent = meters.Create("Introserv.Notifications").CreateCounter<long>("introserv.notifications.sent");
    private readonly Counter<long> _failed = meters.Create("Introserv.Notifications").CreateCounter<long>("introserv.notifications.failed_attempts");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var handled = 0;
            try
            {
                handled = await RunOnceAsync(stoppingToken);
            }
            catch (Exception error) when (error is not OperationCanceledException)
            {
                LogBatchFailed(logger, error);
            }

            if (handled < BatchSize)
            {
                await Task.Delay(options.Value.PollInterval, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>Sends one batch of due messages; returns how many were claimed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(options.Value.Host))
        {
            if (!_warnedUnconfigured)
            {
                _warnedUnconfigured = true;
                LogNotConfigured(logger);
            }

            return 0;
        }

        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<NotificationsDbContext>();
        var now = clock.GetUtcNow();
        var leaseUntil = now + Lease;
        var batch = await db.Notifications.FromSqlInterpolated($"""
            UPDATE notifications SET "NextAttemptAt" = {leaseUntil}
            WHERE "Id" IN (SELECT "Id" FROM notifications WHERE "Status" = 'queued' AND "NextAttemptAt" <= {now}
                           ORDER BY "NextAttemptAt" LIMIT {BatchSize} FOR UPDATE SKIP LOCKED)
            RETURNING *
            """).AsNoTracking().ToListAsync(cancellationToken);
        if (batch.Count == 0)
        {
            return 0;
        }

        SmtpClient? client = null;
        try
        {
            client = await sender.ConnectAsync(cancellationToken);
            foreach (var notification in batch)
            {
                try
                {
                    await sender.SendAsync(client, notification, cancellationToken);
                    await MarkSentAsync(db, notification, cancellationToken);
                }
                catch (Exception error) when (error is SmtpCommandException or SmtpProtocolException or IOException or TimeoutException
                    or MailKit.ServiceNotConnectedException or MimeKit.ParseException)
                {
                    await MarkFailedAttemptAsync(db, notification, error, cancellationToken);
                    if (error is not (SmtpCommandException or MimeKit.ParseException))
                    {
                        // The connection is gone: the rest of the batch waits for its own retry.
                        foreach (var rest in batch.SkipWhile(n => n != notification).Skip(1))
                        {
                            await MarkFailedAttemptAsync(db, rest, error, cancellationToken);
                        }

                        break;
                    }
                }
            }

            if (client.IsConnected)
            {
                await client.DisconnectAsync(true, cancellationToken);
            }
        }
        catch (Exception error) when (error is SmtpCommandException or SmtpProtocolException or IOException or TimeoutException
            or System.Net.Sockets.SocketException or MailKit.Security.AuthenticationException or MailKit.Security.SslHandshakeException)
        {
            // No connection (or no login): every message of the batch is retried later.
            LogRelayUnavailable(logger, batch.Count, error.Message);
            foreach (var notification in batch)
            {
                await MarkFailedAttemptAsync(db, notification, error, cancellationToken);
            }
        }
        finally
        {
            client?.Dispose();
        }

        return batch.Count;
    }

    private async Task MarkSentAsync(NotificationsDbContext db, Notification notification, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await db.Notifications.Where(n => n.Id == notification.Id).ExecuteUpdateAsync(n => n
            .SetProperty(x => x.Status, NotificationStatuses.Sent)
            .SetProperty(x => x.SentAt, now)
            .SetProperty(x => x.Attempts, x => x.Attempts + 1)
            .SetProperty(x => x.LastError, (string?)null), cancellationToken);
        _sent.Add(1, new KeyValuePair<string, object?>("type", notification.Type));
        LogSent(logger, notification.Id, notification.Type, notification.Attempts + 1);
    }

    private async Task MarkFailedAttemptAsync(NotificationsDbContext db, Notification notification, Exception error, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var attempts = notification.Attempts + 1;
        // A refusal with a 5xx reply, or an address that cannot be written: another attempt would end the same.
        var permanent = error is SmtpCommandException { StatusCode: >= (SmtpStatusCode)500 } or MimeKit.ParseException;
        var failed = permanent || attempts >= settings.MaxAttempts;
        var message = $"{error.GetType().Name}: {error.Message}";
        message = message.Length > Notification.ErrorMaxLength ? message[..Notification.ErrorMaxLength] : message;
        var next = clock.GetUtcNow() + settings.RetryDelay(attempts);
        await db.Notifications.Where(n => n.Id == notification.Id).ExecuteUpdateAsync(n => n
            .SetProperty(x => x.Status, failed ? NotificationStatuses.Failed : NotificationStatuses.Queued)
            .SetProperty(x => x.Attempts, attempts)
            .SetProperty(x => x.LastError, message)
            .SetProperty(x => x.NextAttemptAt, next), cancellationToken);
        _failed.Add(1, new KeyValuePair<string, object?>("type", notification.Type));
        if (failed)
        {
            LogGaveUp(logger, notification.Id, notification.Type, attempts, message);
        }
        else
        {
            LogWillRetry(logger, notification.Id, notification.Type, attempts, next, message);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Notification {NotificationId} ({Type}) sent after {Attempts} attempt(s)")]
    private static partial void LogSent(ILogger logger, Guid notificationId, string type, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Notification {NotificationId} ({Type}) attempt {Attempts} failed, retry at {NextAttemptAt}: {Error}")]
    private static partial void LogWillRetry(ILogger logger, Guid notificationId, string type, int attempts, DateTimeOffset nextAttemptAt, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Notification {NotificationId} ({Type}) failed for good after {Attempts} attempt(s): {Error}")]
    private static partial void LogGaveUp(ILogger logger, Guid notificationId, string type, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The SMTP relay is unavailable; {Count} message(s) will be retried: {Error}")]
    private static partial void LogRelayUnavailable(ILogger logger, int count, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Smtp:Host is not set: messages stay queued until an SMTP relay is configured")]
    private static partial void LogNotConfigured(ILogger logger);

    [LoggerMessage(Level = LogLevel.Error, Message = "A delivery batch failed")]
    private static partial void LogBatchFailed(ILogger logger, Exception error);
}
