using Introserv.Contracts;
using Introserv.Identity.Contracts;
using Introserv.Notifications.Data;
using Introserv.Orders.Contracts;
using Introserv.Profile.Contracts;
using Introserv.Verification.Contracts;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Notifications.Webhooks;

// Records every event of WebhookCatalogue for delivery: the event once (by its id, whatever the number of
// redeliveries) and, in the same statement, one pending delivery per enabled endpoint that subscribes to its type.
// All the types share one queue ("notifications-webhook-events"), consumed one message at a time, so an order's events
// are recorded in the order the publishing service's outbox sent them.
public sealed class WebhookEventsConsumer(NotificationsDbContext db, TimeProvider clock, WebhookSignal signal) :
    IConsumer<OrderPlaced>, IConsumer<OrderActivated>, IConsumer<OrderRenewed>, IConsumer<OrderPlanChanged>,
    IConsumer<OrderCancellationScheduled>, IConsumer<OrderCancellationWithdrawn>, IConsumer<OrderCancelled>,
    IConsumer<OrderOverdue>, IConsumer<OrderSuspended>, IConsumer<OrderTerminated>, IConsumer<InvoiceIssued>,
    IConsumer<InvoicePaid>, IConsumer<RefundIssued>, IConsumer<BalanceChanged>, IConsumer<TopUpCompleted>,
    IConsumer<AccountRegistered>, IConsumer<EmailChanged>, IConsumer<ProfileUpdated>,
    IConsumer<CompanyVerificationChanged>, IConsumer<CountryChanged>, IConsumer<PhoneVerified>
{
    public Task Consume(ConsumeContext<OrderPlaced> context) => RecordAsync(context);

    public Task Consume(ConsumeContext<OrderActivated> context) => RecordAsync(context);

    public Task Consume(ConsumeContext<OrderRenewed> context) => RecordAsync(context);

    public Task Consume(ConsumeContext<OrderPlanChanged> context) => RecordAsync(context);

    public Task Consume(ConsumeContext<OrderCancellationScheduled> context) => RecordAsync(context);

    public Task Consume(ConsumeContext<OrderCancellationWithdrawn> context) => RecordAsync(context);

    public Task Consume(ConsumeContext<OrderCancelled> context) => RecordAsync(context);

    public Task Consume(ConsumeContext<OrderOverdue> context) => RecordAsync(context);

    public Task Consume(ConsumeContext<OrderSuspended> context) => RecordAsync(context);

    public Task Consume(ConsumeContext<OrderTerminated> context) => RecordAsync(context);

    public Task Consume(ConsumeContext<InvoiceIssued> context) => RecordAsync(context);

    public Task Consume(ConsumeContext<InvoicePaid> context) => RecordAsync(context);

    public Task Consume(ConsumeContext<RefundIssued> context) => RecordAsync(context);

    public Task Consume(ConsumeContext<BalanceChanged> context) => RecordAsync(context);

    public Task Consume(ConsumeContext<TopUpCompleted> context) => RecordAsync(context);

    public Task Consume(ConsumeContext<AccountRegistered> context) => RecordAsync(context);

    public Task Consume(ConsumeContext<EmailChanged> context) => RecordAsync(context);

    public Task Consume(ConsumeContext<ProfileUpdated> context) => RecordAsync(context);

    public Task Consume(ConsumeContext<CompanyVerificationChanged> context) => RecordAsync(context);

    public Task Consume(ConsumeContext<CountryChanged> context) => RecordAsync(context);

    public Task Consume(ConsumeContext<PhoneVerified> context) => RecordAsync(context);

    private async Task RecordAsync<TEvent>(ConsumeContext<TEvent> context)
        where TEvent : class, IIntegrationEvent
    {
        var message = context.Message;
        var type = WebhookCatalogue.For<TEvent>();
        var payload = type.Payload(message);
        var key = type.OrderingKey(message);
        var now = clock.GetUtcNow();
        // One statement: the event (a redelivery inserts nothing, and then no deliveries either) and its deliveries.
        var written = await db.Database.ExecuteSqlInterpolatedAsync($"""
            WITH recorded AS (
                INSERT INTO webhook_messages ("Id", "Type", "AccountId", "OrderingKey", "OccurredAt", "Payload", "ReceivedAt")
                VALUES ({message.EventId}, {type.Name}, {message.AccountId}, {key}, {message.OccurredAt}, {payload}, {now})
                ON CONFLICT ("Id") DO NOTHING
                RETURNING "Id")
            INSERT INTO webhook_deliveries ("Id", "EndpointId", "MessageId", "OrderingKey", "OccurredAt", "Status", "Attempts", "NextAttemptAt", "CreatedAt")
            SELECT gen_random_uuid(), e."Id", r."Id", {key}, {message.OccurredAt}, {WebhookDeliveryStatuses.Pending}, 0, {now}, {now}
            FROM recorded r CROSS JOIN webhook_endpoints e
            WHERE e."Enabled" AND (cardinality(e."EventTypes") = 0 OR {type.Name} = ANY(e."EventTypes"))
            """, context.CancellationToken);
        if (written > 0)
        {
            signal.Notify();
        }
    }
}

// One queue for every webhook event, consumed one message at a time (the order of an order's events).
public sealed class WebhookEventsConsumerDefinition : ConsumerDefinition<WebhookEventsConsumer>
{
    public WebhookEventsConsumerDefinition() => ConcurrentMessageLimit = 1;
}

// Wakes the dispatcher when deliveries were queued, so they go out without waiting for its poll.
public sealed class WebhookSignal : IDisposable
{
    private readonly SemaphoreSlim _pending = new(0, 1);

    public void Notify()
    {
        if (_pending.CurrentCount == 0)
        {
            try
            {
                _pending.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another notification got there first: one wake-up is enough.
            }
        }
    }

    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _pending.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _pending.Dispose();
}
