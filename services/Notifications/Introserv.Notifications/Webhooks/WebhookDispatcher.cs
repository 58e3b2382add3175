using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Introserv.BuildingBlocks.Data;
using Introserv.Notifications.Data;
using Introserv.Notifications.Messages;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Introserv.Notifications.Webhooks;

// Sends queued deliveries. A batch of due deliveries is claimed under a lease (FOR UPDATE SKIP LOCKED, so replicas
// share the work): only the oldest pending delivery of each endpoint and ordering key (an order), so one order's
// events reach a receiver one at a time, in order. A 2xx answer delivers; anything else (an error status, a timeout,
// a refused connection) retries after the next delay of WebhookOptions.Retries, and after the last the delivery
// fails and its endpoint is disabled, with a notice to staff. 410 Gone disables the endpoint at once. Every attempt is
// logged; the log is kept for WebhookOptions.LogRetention.
public sealed partial class WebhookDispatcher(
    IServiceScopeFactory scopes,
    MigrationState<NotificationsDbContext> migrations,
    WebhookHttp http,
    IOptions<WebhookOptions> options,
    TimeProvider clock,
    WebhookSignal signal,
    WebhookSecretProtector secrets,
    IMeterFactory meters,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string MeterName = "Introserv.Notifications";

    // Attempts by outcome (delivered, retry: failed and due again, failed: the last retry failed or 410 Gone), their
    // duration, and endpoints the dispatcher disabled: what to alert on (a rising retry rate, any disabled endpoint).
    private readonly Counter<long> _attempts = meters.Create(MeterName)
        .CreateCounter<long>("introserv.webhooks.attempts", description: "Webhook delivery attempts by outcome");
    private readonly Histogram<double> _duration = meters.Create(MeterName)
        .CreateHistogram<double>("introserv.webhooks.attempt.duration", "ms", "How long a delivery attempt took");
    private readonly Counter<long> _disabled = meters.Create(MeterName)
        .CreateCounter<long>("introserv.webhooks.endpoints_disabled", description: "Endpoints disabled by failures");

    private static readonly TimeSpan CleanupInterval = TimeSpan.FromHours(1);

    private WebhookOptions Settings => options.Value;

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

        var nextCleanup = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (clock.GetUtcNow() >= nextCleanup)
                {
                    await RemoveExpiredAsync(stoppingToken);
                    nextCleanup = clock.GetUtcNow() + CleanupInterval;
                }

                // After a batch, at once again: a delivered event lets the next one of its order go. Only an empty
                // claim waits (for the poll interval, or for new deliveries to be queued).
                if (await RunOnceAsync(stoppingToken) == 0)
                {
                    await signal.WaitAsync(Settings.PollInterval, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception failure) when (!stoppingToken.IsCancellationRequested)
            {
                // The database is down or failing over, or anything else went wrong with a batch: the worker never
                // stops the service; the batch's leases run out and its deliveries are claimed again.
                LogBatchFailed(logger, failure);
                await Task.Delay(Settings.PollInterval, clock, stoppingToken);
            }
        }
    }

    // Claims and sends one batch; returns how many deliveries it claimed.
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var lease = Guid.NewGuid();
        List<WebhookDelivery> batch;
        Dictionary<Guid, WebhookMessage> messages;
        Dictionary<Guid, WebhookEndpoint> endpoints;
        using (var scope = scopes.CreateScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<NotificationsDbContext>();
            batch = await ClaimAsync(db, lease, cancellationToken);
            if (batch.Count == 0)
            {
                return 0;
            }

            var messageIds = batch.Select(d => d.MessageId).Distinct().ToList();
            var endpointIds = batch.Select(d => d.EndpointId).Distinct().ToList();
            messages = await db.WebhookMessages.AsNoTracking().Where(m => messageIds.Contains(m.Id))
                .ToDictionaryAsync(m => m.Id, cancellationToken);
            endpoints = await db.WebhookEndpoints.AsNoTracking().Where(e => endpointIds.Contains(e.Id))
                .ToDictionaryAsync(e => e.Id, cancellationToken);
        }

        // A delivery whose endpoint was removed since the claim goes with it (the cascade removed it too).
        batch.RemoveAll(d => !endpoints.ContainsKey(d.EndpointId) || !messages.ContainsKey(d.MessageId));
        await Parallel.ForEachAsync(
            batch,
            new ParallelOptions
            {
                MaxDegreeOfParallelism = Settings.Concurrency,
                CancellationToken = cancellationToken,
            },
            async (delivery, ct) =>
            {
                var outcome = await SendAsync(endpoints[delivery.EndpointId], messages[delivery.MessageId], ct);
                await RecordAsync(delivery, endpoints[delivery.EndpointId], lease, outcome, ct);
            });
        return batch.Count;
    }

    private async Task<List<WebhookDelivery>> ClaimAsync(
        NotificationsDbContext db, Guid lease, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var until = now + Settings.Lease;
        return await db.WebhookDeliveries.FromSqlInterpolated($"""
            UPDATE webhook_deliveries SET "NextAttemptAt" = {until}, "LeaseId" = {lease}
            WHERE "Id" IN (
                SELECT d."Id" FROM webhook_deliveries d JOIN webhook_endpoints e ON e."Id" = d."EndpointId"
                WHERE d."Status" = 'pending' AND d."NextAttemptAt" <= {now} AND e."Enabled"
                  AND NOT EXISTS (
                      SELECT 1 FROM webhook_deliveries p
                      WHERE p."EndpointId" = d."EndpointId" AND p."OrderingKey" = d."OrderingKey"
                        AND p."Status" = 'pending' AND (p."OccurredAt", p."Sequence") < (d."OccurredAt", d."Sequence"))
                ORDER BY d."NextAttemptAt", d."Sequence" LIMIT {Settings.Concurrency}
                FOR UPDATE OF d SKIP LOCKED)
            RETURNING *
            """).AsNoTracking().ToListAsync(cancellationToken);
    }

    private sealed record Outcome(DateTimeOffset At, int DurationMs, int? Status, string? Error, string? Body)
    {
        public bool Delivered => Status is >= 200 and < 300;
    }

    private async Task<Outcome> SendAsync(
        WebhookEndpoint endpoint, WebhookMessage message, CancellationToken cancellationToken)
    {
        var at = clock.GetUtcNow();
        var timestamp = at.ToUnixTimeSeconds();
        var id = WebhookMessage.WebhookId(message.Id);
        string signature;
        try
        {
            signature = WebhookSignature.Header(
                endpoint.SigningSecrets(at).Select(secrets.Unprotect), id, timestamp, message.Payload);
        }
        catch (Exception failure) when (failure is CryptographicException or FormatException)
        {
            // Nothing is sent unsigned: an attempt that fails, retried as any other (the key may be restored).
            return new(at, 0, null,
                "The endpoint's signing secret cannot be read: Webhooks:SecretKey (or PreviousSecretKey) is not the " +
                "key it was stored under.", null);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Url)
        {
            Content = new StringContent(message.Payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", signature);
        var watch = Stopwatch.StartNew();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Settings.Timeout);
        try
        {
            using var response = await http.Client.SendAsync(
                request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var body = await FirstBytesAsync(response, timeout.Token);
            return new(at, Elapsed(watch), (int)response.StatusCode,
                response.IsSuccessStatusCode ? null : $"HTTP {(int)response.StatusCode}", body);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new(at, Elapsed(watch), null, $"No answer within {Settings.Timeout.TotalSeconds:0.#} s.", null);
        }
        catch (HttpRequestException failure)
        {
            var reason = failure.InnerException is WebhookTargetRefusedException refused
                ? refused.Message
                : failure.HttpRequestError == HttpRequestError.Unknown
                    ? failure.Message
                    : $"{failure.HttpRequestError}: {failure.Message}";
            return new(at, Elapsed(watch), null, Truncate(reason, WebhookDelivery.ErrorMaxLength), null);
        }
        catch (IOException failure)
        {
            // The answer broke off while its first bytes were read.
            return new(at, Elapsed(watch), null, Truncate(failure.Message, WebhookDelivery.ErrorMaxLength), null);
        }
    }

    private static int Elapsed(Stopwatch watch) => (int)Math.Min(watch.ElapsedMilliseconds, int.MaxValue);

    // The first bytes of the answer for the log (the rest is not read).
    private static async Task<string?> FirstBytesAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var buffer = new byte[WebhookAttempt.ResponseMaxLength];
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var read = await stream.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, ct);
        if (read == 0)
        {
            return null;
        }

        // A cut in the middle of a character leaves a replacement character, never an exception.
        var text = Encoding.UTF8.GetString(buffer, 0, read).Replace("\0", "", StringComparison.Ordinal);
        return text.Length > WebhookAttempt.ResponseMaxLength ? text[..WebhookAttempt.ResponseMaxLength] : text;
    }

    private static string Truncate(string text, int length) => text.Length <= length ? text : text[..length];

    // The attempt's result, written only while the lease is still this batch's.
    private async Task RecordAsync(
        WebhookDelivery delivery, WebhookEndpoint endpoint, Guid lease, Outcome outcome, CancellationToken ct)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<NotificationsDbContext>();
        var attempts = delivery.Attempts + 1;
        var gone = outcome.Status == StatusCodes.Status410Gone;
        var final = !outcome.Delivered && (gone || attempts > Settings.Retries.Count);
        var status = outcome.Delivered ? WebhookDeliveryStatuses.Delivered
            : final ? WebhookDeliveryStatuses.Failed
            : WebhookDeliveryStatuses.Pending;
        var next = outcome.Delivered || final
            ? outcome.At
            : clock.GetUtcNow() + Settings.Retries[attempts - 1];
        var error = outcome.Error is null ? null : Truncate(outcome.Error, WebhookDelivery.ErrorMaxLength);
        var strategy = db.Database.CreateExecutionStrategy();
        var (recorded, disabled) = await strategy.ExecuteAsync(async token =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(token);
            var updated = await db.WebhookDeliveries
                .Where(d => d.Id == delivery.Id && d.LeaseId == lease && d.Status == WebhookDeliveryStatuses.Pending)
                .ExecuteUpdateAsync(s => s
                    .SetProperty(d => d.Status, status)
                    .SetProperty(d => d.Attempts, attempts)
                    .SetProperty(d => d.NextAttemptAt, next)
                    .SetProperty(d => d.LeaseId, (Guid?)null)
                    .SetProperty(d => d.DeliveredAt, outcome.Delivered ? outcome.At : null)
                    .SetProperty(d => d.LastStatusCode, outcome.Status)
                    .SetProperty(d => d.LastError, error), token);
            if (updated == 0)
            {
                // The lease ran out and another replica took the delivery: its attempt is the one logged.
                return (false, false);
            }

            db.WebhookAttempts.Add(new WebhookAttempt
            {
                DeliveryId = delivery.Id,
                AttemptedAt = outcome.At,
                DurationMs = outcome.DurationMs,
                StatusCode = outcome.Status,
                Error = error,
                ResponseBody = outcome.Body,
            });
            var disable = final && await DisableAsync(db, endpoint, gone, error, token);
            await db.SaveChangesAsync(token);
            await transaction.CommitAsync(token);
            return (true, disable);
        }, ct);
        if (recorded)
        {
            var result = outcome.Delivered ? "delivered" : final ? "failed" : "retry";
            _attempts.Add(1, new KeyValuePair<string, object?>("outcome", result));
            _duration.Record(outcome.DurationMs, new KeyValuePair<string, object?>("outcome", result));
        }

        if (disabled)
        {
            _disabled.Add(1);
            LogEndpointDisabled(logger, endpoint.Id, gone ? "410 Gone" : error ?? "failed");
        }
    }

    // Disables the endpoint (once) and queues the notice to staff in the same transaction.
    private async Task<bool> DisableAsync(
        NotificationsDbContext db, WebhookEndpoint endpoint, bool gone, string? error, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var reason = gone
            ? "The receiver answered 410 Gone."
            : $"A delivery failed {Settings.Retries.Count + 1} times over " +
                $"{Settings.Retries.Aggregate(TimeSpan.Zero, (a, b) => a + b).TotalHours:0.#} hours; " +
                $"the last: {error}";
        reason = Truncate(reason, WebhookDelivery.ErrorMaxLength);
        var changed = await db.WebhookEndpoints.Where(e => e.Id == endpoint.Id && e.Enabled)
            .ExecuteUpdateAsync(s => s
                .SetProperty(e => e.Enabled, false)
                .SetProperty(e => e.DisabledReason, reason)
                .SetProperty(e => e.DisabledAt, now)
                .SetProperty(e => e.UpdatedAt, now), ct);
        if (changed == 0)
        {
            return false;
        }

        if (Settings.StaffEmail is { } staff)
        {
            await Outgoing.EnqueueAsync(db, Guid.Empty, Guid.NewGuid(), MessageTypes.WebhookEndpointDisabled,
                Categories.Support, staff, MailTemplates.WebhookEndpointDisabled(endpoint.Id, endpoint.Url, reason),
                now, ct);
        }

        return true;
    }

    // Drops what is older than the log's retention: an event with its deliveries and attempts, once none is pending.
    private async Task RemoveExpiredAsync(CancellationToken cancellationToken)
    {
        using var scope = scopes.CreateScope();
        var db = scope.ServiceProvider.GetRequiredService<NotificationsDbContext>();
        var cutoff = clock.GetUtcNow() - Settings.LogRetention;
        var removed = await db.Database.ExecuteSqlInterpolatedAsync($"""
            DELETE FROM webhook_messages m WHERE m."ReceivedAt" < {cutoff}
              AND NOT EXISTS (SELECT 1 FROM webhook_deliveries d WHERE d."MessageId" = m."Id" AND d."Status" = 'pending')
            """, cancellationToken);
        if (removed > 0)
        {
            LogExpiredRemoved(logger, removed);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook deliveries could not be claimed or recorded")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook endpoint {EndpointId} disabled: {Reason}")]
    private static partial void LogEndpointDisabled(ILogger logger, Guid endpointId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {Count} webhook events past the log's retention")]
    private static partial void LogExpiredRemoved(ILogger logger, int count);
}
