using System.Text.Json;
using System.Text.Json.Nodes;
using Introserv.Contracts;
using Introserv.Identity.Contracts;
using Introserv.Orders.Contracts;
using Introserv.Profile.Contracts;
using Introserv.Verification.Contracts;

namespace Introserv.Notifications.Webhooks;

// One event type a webhook endpoint can receive: its name ("order.placed"), the integration event it comes from, the
// key its deliveries are ordered by (the order's id for order, invoice and refund events; the account's otherwise) and
// what its data leaves out.
public abstract record WebhookEventType(string Name, Type EventType, string Description)
{
    public abstract Guid OrderingKey(IIntegrationEvent message);

    // The body sent: { "type", "timestamp", "data" }, data being the event's fields (camelCase) without its id and
    // time (the webhook-id header and timestamp carry them) and without the fields the row drops.
    public abstract string Payload(IIntegrationEvent message);
}

public sealed record WebhookEventType<TEvent>(string Name, string Description, Func<TEvent, Guid> Key)
    : WebhookEventType(Name, typeof(TEvent), Description)
    where TEvent : class, IIntegrationEvent
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    // Fields of the event that never leave the suite (links with tokens, for one).
    public IReadOnlyList<string> Dropped { get; init; } = [];

    public override Guid OrderingKey(IIntegrationEvent message) => Key((TEvent)message);

    public override string Payload(IIntegrationEvent message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var data = JsonSerializer.SerializeToNode((TEvent)message, Json)!.AsObject();
        foreach (var field in Dropped.Append("eventId").Append("occurredAt"))
        {
            data.Remove(field);
        }

        var body = new JsonObject
        {
            ["type"] = Name,
            ["timestamp"] = message.OccurredAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'",
                System.Globalization.CultureInfo.InvariantCulture),
            ["data"] = data,
        };
        return body.ToJsonString(Json);
    }
}

public static class WebhookCatalogue
{
    public static IReadOnlyList<WebhookEventType> Types { get; } =
    [
        Order<OrderPlaced>("order.placed", "A customer ordered a plan; an invoice follows.", m => m.OrderId),
        Order<OrderActivated>("order.activated",
            "The order was paid: provision the service at ipAddress, paid until paidUntil.", m => m.OrderId),
        Order<OrderRenewed>("order.renewed", "The order was renewed; it is paid until paidUntil.", m => m.OrderId),
        Order<OrderPlanChanged>("order.plan_changed",
            "The order moved from fromPlanId to toPlanId (resize); amount charged (positive) or credited.",
            m => m.OrderId),
        Order<OrderCancellationScheduled>("order.cancellation_scheduled",
            "The customer cancelled at the end of the term: the service runs until effectiveAt.", m => m.OrderId),
        Order<OrderCancellationWithdrawn>("order.cancellation_withdrawn",
            "A scheduled cancellation was withdrawn: the order is active again.", m => m.OrderId),
        Order<OrderCancelled>("order.cancelled",
            "The order ended by cancellation (mode immediate, end_of_term or unpaid): stop the service and reclaim it.",
            m => m.OrderId),
        Order<OrderOverdue>("order.overdue", "The order was not renewed by paidUntil; it is suspended at suspendsAt.",
            m => m.OrderId),
        Order<OrderSuspended>("order.suspended",
            "The overdue order was suspended: stop the service; it is terminated at terminatesAt unless renewed.",
            m => m.OrderId),
        Order<OrderTerminated>("order.terminated",
            "The suspended order was terminated and ipAddress returned to the pool: reclaim the service.",
            m => m.OrderId),
        Order<InvoiceIssued>("invoice.issued", "A charge was issued (kind: order, renewal or upgrade).",
            m => m.OrderId) with { Dropped = ["pdfUrl"] },
        Order<InvoicePaid>("invoice.paid", "An invoice was paid from the balance.", m => m.OrderId),
        Order<RefundIssued>("refund.issued",
            "An amount was credited to the balance for an order (an immediate cancellation or a downgrade).",
            m => m.OrderId),
        Account<BalanceChanged>("balance.changed",
            "A ledger entry changed the balance; ledgerSequence orders an account's changes."),
        Account<TopUpCompleted>("balance.top_up_completed",
            "A top-up through a payment provider ended: succeeded, failed or expired."),
        Account<AccountRegistered>("account.registered", "A customer account was created."),
        Account<EmailChanged>("account.email_changed", "The customer confirmed a new account address."),
        Account<ProfileUpdated>("profile.updated", "The customer or support changed personal data (changedFields)."),
        Account<CompanyVerificationChanged>("profile.company_verification_changed",
            "Support approved or rejected a company (status), or the company details await verification."),
        Account<CountryChanged>("profile.country_changed", "Support changed the account's country."),
        Account<PhoneVerified>("profile.phone_verified",
            "The customer proved they own phone (E.164) with a code sent by SMS or call (channel).")
            with { Dropped = ["challengeId"] },
    ];

    private static readonly Dictionary<string, WebhookEventType> ByName = Types.ToDictionary(t => t.Name);

    public static bool IsKnown(string name) => ByName.ContainsKey(name);

    // The row of TEvent; there is exactly one per event type.
    public static WebhookEventType<TEvent> For<TEvent>()
        where TEvent : class, IIntegrationEvent =>
        Types.OfType<WebhookEventType<TEvent>>().Single();

    private static WebhookEventType<TEvent> Order<TEvent>(string name, string description, Func<TEvent, Guid> orderId)
        where TEvent : class, IIntegrationEvent => new(name, description, orderId);

    private static WebhookEventType<TEvent> Account<TEvent>(string name, string description)
        where TEvent : class, IIntegrationEvent => new(name, description, m => m.AccountId);
}
