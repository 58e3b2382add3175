using System.ComponentModel.DataAnnotations;
using Introserv.Notifications.Data;
using Introserv.Notifications.Features;
using Introserv.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Introserv.Notifications.Webhooks;

public sealed record CreateWebhookEndpointRequest(
    [property: RequiredValue, TextLength(WebhookTargets.MaxUrlLength), SingleLine] string? Url,
    [property: MaxItems(WebhookEndpointsApi.MaxEventTypes, ItemMaxLength = WebhookEndpointsApi.MaxEventTypeLength),
        MaxLength(WebhookEndpointsApi.MaxEventTypes)]
    IReadOnlyList<string?>? EventTypes = null,
    [property: TextLength(WebhookEndpoint.MaxDescriptionLength), SingleLine] string? Description = null,
    bool? Enabled = null) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        WebhookEndpointsApi.EventTypeErrors(EventTypes);
}

// A partial update: what the body omits keeps its value (an empty description clears it).
public sealed record UpdateWebhookEndpointRequest(
    [property: TextLength(WebhookTargets.MaxUrlLength), SingleLine] string? Url = null,
    [property: MaxItems(WebhookEndpointsApi.MaxEventTypes, ItemMaxLength = WebhookEndpointsApi.MaxEventTypeLength),
        MaxLength(WebhookEndpointsApi.MaxEventTypes)]
    IReadOnlyList<string?>? EventTypes = null,
    [property: TextLength(0, WebhookEndpoint.MaxDescriptionLength), SingleLine] string? Description = null,
    bool? Enabled = null) : IValidatableObject
{
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        WebhookEndpointsApi.EventTypeErrors(EventTypes);
}

public sealed record RotateWebhookSecretRequest(
    [property: Range(0, WebhookEndpointsApi.MaxOverlapMinutes,
        ErrorMessage = "Between 0 and 10080 minutes (a week).")]
    int? OverlapMinutes = null);

public sealed record ReplayWebhookRequest([property: RequiredValue] DateTimeOffset? Since);

public sealed record WebhookEndpointView(
    Guid Id, string Url, IReadOnlyList<string> EventTypes, string? Description, bool Enabled, string? DisabledReason,
    DateTimeOffset? DisabledAt, DateTimeOffset? PreviousSecretExpiresAt, DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

// The endpoint and its signing secret, answered once (at creation).
public sealed record WebhookEndpointCreated(WebhookEndpointView Endpoint, string Secret);

public sealed record WebhookSecretRotated(string Secret, DateTimeOffset? PreviousSecretExpiresAt);

public sealed record WebhookEventTypeView(string Name, string Description);

public sealed record WebhookDeliveryView(
    long Sequence, Guid Id, string WebhookId, string EventType, Guid OrderingKey, string Status, int Attempts,
    DateTimeOffset CreatedAt, DateTimeOffset? NextAttemptAt, DateTimeOffset? DeliveredAt, int? LastStatusCode,
    string? LastError, Guid? ReplayOf);

public sealed record WebhookAttemptView(
    DateTimeOffset AttemptedAt, int DurationMs, int? StatusCode, string? Error, string? ResponseBody);

public sealed record WebhookDeliveryDetail(
    WebhookDeliveryView Delivery, string Payload, IReadOnlyList<WebhookAttemptView> Attempts);

public sealed record WebhookReplayed(int Queued);

// Staff manage the endpoints that receive signed deliveries of the suite's events (Standard Webhooks), see every
// attempt and replay deliveries.
public static class WebhookEndpointsApi
{
    public const int MaxEndpoints = 50;
    public const int MaxEventTypes = 50;
    public const int MaxEventTypeLength = 64;
    public const int MaxOverlapMinutes = 10_080;
    public const int DefaultOverlapMinutes = 1_440;
    public const int MaxAttemptsShown = 100;

    public static IEndpointRouteBuilder MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/staff/webhooks").WithTags("Webhooks (staff)")
            .RequireAuthorization(AuthenticationExtensions.StaffPolicy);
        group.MapGet("/event-types", EventTypes)
            .WithSummary("The event types an endpoint can receive");
        group.MapGet("/", ListAsync)
            .WithSummary("Every webhook endpoint (secrets are never shown again)");
        group.MapPost("/", CreateAsync)
            .WithSummary("Register an endpoint; the answer carries its signing secret, once")
            .WithDescription(
                "url (https; outside Development not a loopback, private or link-local address), eventTypes (names " +
                "from /event-types; none: every type), description, enabled (default true). 201 with the endpoint " +
                "and its secret (whsec_...). validation_failed names the field; webhook_endpoint_limit_reached at " +
                $"{MaxEndpoints} endpoints.")
            .Produces<WebhookEndpointCreated>(StatusCodes.Status201Created)
            .Problems(NotificationsProblems.WebhookEndpointLimitReached);
        group.MapGet("/{id:guid}", GetAsync)
            .WithSummary("One endpoint")
            .Problems(NotificationsProblems.WebhookEndpointNotFound);
        group.MapPut("/{id:guid}", UpdateAsync)
            .WithSummary("Change an endpoint: url, eventTypes, description, enabled (what is omitted is kept)")
            .WithDescription(
                "Enabling an endpoint the dispatcher disabled clears its reason; deliveries still pending resume. " +
                "Events that came while it was disabled were not queued for it: replay them (POST .../replay).")
            .Problems(NotificationsProblems.WebhookEndpointNotFound);
        group.MapDelete("/{id:guid}", DeleteAsync)
            .WithSummary("Remove an endpoint with its deliveries and their log")
            .Problems(NotificationsProblems.WebhookEndpointNotFound);
        group.MapPost("/{id:guid}/secret", RotateAsync)
            .WithSummary("Rotate the signing secret; the old one keeps signing beside it for the overlap")
            .WithDescription(
                $"overlapMinutes (0-{MaxOverlapMinutes}, default {DefaultOverlapMinutes}): until then every " +
                "delivery carries two signatures. The new secret is answered once.")
            .Problems(NotificationsProblems.WebhookEndpointNotFound);
        group.MapGet("/{id:guid}/deliveries", ListDeliveriesAsync)
            .WithSummary("The endpoint's deliveries, newest first, paged by nextCursor")
            .WithDescription("status (pending, delivered, failed) filters.")
            .Produces<Page<WebhookDeliveryView>>(StatusCodes.Status200OK).Paged()
            .Problems(NotificationsProblems.WebhookEndpointNotFound);
        group.MapGet("/{id:guid}/deliveries/{deliveryId:guid}", GetDeliveryAsync)
            .WithSummary("One delivery: the body sent and every attempt (status, latency, the answer's first bytes)")
            .Problems(NotificationsProblems.WebhookDeliveryNotFound);
        group.MapPost("/{id:guid}/deliveries/{deliveryId:guid}/replay", ReplayOneAsync)
            .WithSummary("Send a delivery again (the same webhook-id, so receivers can recognise it)")
            .Produces<WebhookDeliveryView>(StatusCodes.Status202Accepted)
            .Problems(NotificationsProblems.WebhookDeliveryNotFound);
        group.MapPost("/{id:guid}/replay", ReplaySinceAsync)
            .WithSummary("Send again every event of the endpoint's types since a time")
            .WithDescription(
                "since: events that occurred from then on (within the log's retention), whether or not they were " +
                "delivered before, including those that came while the endpoint was disabled. 202 with the number " +
                "queued.")
            .Produces<WebhookReplayed>(StatusCodes.Status202Accepted)
            .Problems(NotificationsProblems.WebhookEndpointNotFound);
        return app;
    }

    internal static IEnumerable<ValidationResult> EventTypeErrors(IReadOnlyList<string?>? types) =>
        (types ?? []).Select((type, index) => (type, index))
            .Where(t => t.type is null || !WebhookCatalogue.IsKnown(t.type))
            .Select(t => new ValidationResult(
                "Not an event type (see GET /api/staff/webhooks/event-types).", [$"eventTypes[{t.index}]"]));

    private static Ok<IReadOnlyList<WebhookEventTypeView>> EventTypes() =>
        TypedResults.Ok<IReadOnlyList<WebhookEventTypeView>>(
            [.. WebhookCatalogue.Types.Select(t => new WebhookEventTypeView(t.Name, t.Description))]);

    private static async Task<Ok<Page<WebhookEndpointView>>> ListAsync(
        NotificationsDbContext db, CancellationToken cancellationToken)
    {
        var endpoints = await db.WebhookEndpoints.AsNoTracking().OrderBy(e => e.CreatedAt)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new Page<WebhookEndpointView>([.. endpoints.Select(View)], null));
    }

    private static async Task<Results<Created<WebhookEndpointCreated>, ProblemHttpResult>> CreateAsync(
        CreateWebhookEndpointRequest request, NotificationsDbContext db, IOptions<WebhookOptions> options,
        IHostEnvironment environment, WebhookSecretProtector secrets, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var url = request.Url!.Trim();
        if (await WebhookTargets.RefusalAsync(url, options.Value.LocalTargetsAllowed(environment), cancellationToken)
            is { } refusal)
        {
            return FieldError.Result("url", refusal);
        }

        var secret = WebhookSignature.NewSecret();
        var endpoint = new WebhookEndpoint
        {
            Id = Guid.CreateVersion7(),
            Url = url,
            EventTypes = [.. (request.EventTypes ?? []).OfType<string>().Distinct(StringComparer.Ordinal)],
            Description = string.IsNullOrWhiteSpace(request.Description) ? null : request.Description.Trim(),
            Enabled = request.Enabled ?? true,
            Secret = secrets.Protect(secret),
            CreatedAt = clock.GetUtcNow(),
            UpdatedAt = clock.GetUtcNow(),
        };
        // Creations take turns (a transaction-scoped lock), so parallel ones cannot pass the limit together.
        var strategy = db.Database.CreateExecutionStrategy();
        var created = await strategy.ExecuteAsync(async ct =>
        {
            db.ChangeTracker.Clear();
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            await db.Database.ExecuteSqlRawAsync("SELECT pg_advisory_xact_lock(hashtext('webhook_endpoints'))", ct);
            if (await db.WebhookEndpoints.CountAsync(ct) >= MaxEndpoints)
            {
                return false;
            }

            db.WebhookEndpoints.Add(endpoint);
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(ct);
            return true;
        }, cancellationToken);
        if (!created)
        {
            return NotificationsProblems.WebhookEndpointLimitReached.Result(
                $"At most {MaxEndpoints} endpoints; remove one first.");
        }

        return TypedResults.Created(
            $"/api/staff/webhooks/{endpoint.Id}", new WebhookEndpointCreated(View(endpoint), secret));
    }

    private static async Task<Results<Ok<WebhookEndpointView>, ProblemHttpResult>> GetAsync(
        Guid id, NotificationsDbContext db, CancellationToken cancellationToken) =>
        await db.WebhookEndpoints.AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, cancellationToken)
            is { } endpoint
            ? TypedResults.Ok(View(endpoint))
            : EndpointNotFound();

    private static async Task<Results<Ok<WebhookEndpointView>, ProblemHttpResult>> UpdateAsync(
        Guid id, UpdateWebhookEndpointRequest request, NotificationsDbContext db, IOptions<WebhookOptions> options,
        IHostEnvironment environment, TimeProvider clock, CancellationToken cancellationToken)
    {
        var endpoint = await db.WebhookEndpoints.FirstOrDefaultAsync(e => e.Id == id, cancellationToken);
        if (endpoint is null)
        {
            return EndpointNotFound();
        }

        if (request.Url?.Trim() is { } url)
        {
            if (await WebhookTargets.RefusalAsync(
                url, options.Value.LocalTargetsAllowed(environment), cancellationToken) is { } refusal)
            {
                return FieldError.Result("url", refusal);
            }

            endpoint.Url = url;
        }

        if (request.EventTypes is { } types)
        {
            endpoint.EventTypes = [.. types.OfType<string>().Distinct(StringComparer.Ordinal)];
        }

        if (request.Description is { } description)
        {
            endpoint.Description = string.IsNullOrWhiteSpace(description) ? null : description.Trim();
        }

        if (request.Enabled is { } enabled && enabled != endpoint.Enabled)
        {
            endpoint.Enabled = enabled;
            endpoint.DisabledReason = null;
            endpoint.DisabledAt = enabled ? null : clock.GetUtcNow();
        }

        endpoint.UpdatedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(View(endpoint));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> DeleteAsync(
        Guid id, NotificationsDbContext db, CancellationToken cancellationToken) =>
        await db.WebhookEndpoints.Where(e => e.Id == id).ExecuteDeleteAsync(cancellationToken) > 0
            ? TypedResults.NoContent()
            : EndpointNotFound();

    private static async Task<Results<Ok<WebhookSecretRotated>, ProblemHttpResult>> RotateAsync(
        Guid id, RotateWebhookSecretRequest? request, NotificationsDbContext db, WebhookSecretProtector secrets,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var endpoint = await db.WebhookEndpoints.FirstOrDefaultAsync(e => e.Id == id, cancellationToken);
        if (endpoint is null)
        {
            return EndpointNotFound();
        }

        var now = clock.GetUtcNow();
        var overlap = TimeSpan.FromMinutes(request?.OverlapMinutes ?? DefaultOverlapMinutes);
        var secret = WebhookSignature.NewSecret();
        // Both are written under the current key (a rotation also moves an endpoint off a replaced key).
        endpoint.PreviousSecret = overlap > TimeSpan.Zero ? secrets.Protect(secrets.Unprotect(endpoint.Secret)) : null;
        endpoint.PreviousSecretExpiresAt = overlap > TimeSpan.Zero ? now + overlap : null;
        endpoint.Secret = secrets.Protect(secret);
        endpoint.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new WebhookSecretRotated(secret, endpoint.PreviousSecretExpiresAt));
    }

    private static async Task<Results<Ok<Page<WebhookDeliveryView>>, ProblemHttpResult>> ListDeliveriesAsync(
        Guid id, [AsParameters] PageQuery page,
        [FromQuery(Name = "status"), OneOf(WebhookDeliveryStatuses.Pending, WebhookDeliveryStatuses.Delivered,
            WebhookDeliveryStatuses.Failed)] string? status,
        NotificationsDbContext db, CancellationToken cancellationToken)
    {
        if (!page.TryRead(out long? before, out var problem))
        {
            return problem;
        }

        if (!await db.WebhookEndpoints.AnyAsync(e => e.Id == id, cancellationToken))
        {
            return EndpointNotFound();
        }

        var query = db.WebhookDeliveries.AsNoTracking().Where(d => d.EndpointId == id);
        if (status is not null)
        {
            query = query.Where(d => d.Status == status);
        }

        if (before is { } sequence)
        {
            query = query.Where(d => d.Sequence < sequence);
        }

        var rows = await query.OrderByDescending(d => d.Sequence).Take(page.Take + 1)
            .Join(db.WebhookMessages, d => d.MessageId, m => m.Id, (d, m) => new { d, m.Type })
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(page.PageOf(
            [.. rows.Select(r => View(r.d, r.Type))], d => PageCursor.Encode(d.Sequence)));
    }

    private static async Task<Results<Ok<WebhookDeliveryDetail>, ProblemHttpResult>> GetDeliveryAsync(
        Guid id, Guid deliveryId, NotificationsDbContext db, CancellationToken cancellationToken)
    {
        var found = await db.WebhookDeliveries.AsNoTracking()
            .Where(d => d.Id == deliveryId && d.EndpointId == id)
            .Join(db.WebhookMessages, d => d.MessageId, m => m.Id, (d, m) => new { d, m.Type, m.Payload })
            .FirstOrDefaultAsync(cancellationToken);
        if (found is null)
        {
            return DeliveryNotFound();
        }

        var attempts = await db.WebhookAttempts.AsNoTracking().Where(a => a.DeliveryId == deliveryId)
            .OrderByDescending(a => a.Id).Take(MaxAttemptsShown)
            .Select(a => new WebhookAttemptView(a.AttemptedAt, a.DurationMs, a.StatusCode, a.Error, a.ResponseBody))
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(new WebhookDeliveryDetail(View(found.d, found.Type), found.Payload, attempts));
    }

    private static async Task<Results<Accepted<WebhookDeliveryView>, ProblemHttpResult>> ReplayOneAsync(
        Guid id, Guid deliveryId, NotificationsDbContext db, TimeProvider clock, WebhookSignal signal,
        CancellationToken cancellationToken)
    {
        var found = await db.WebhookDeliveries.AsNoTracking()
            .Where(d => d.Id == deliveryId && d.EndpointId == id)
            .Join(db.WebhookMessages, d => d.MessageId, m => m.Id, (d, m) => new { d, m.Type })
            .FirstOrDefaultAsync(cancellationToken);
        if (found is null)
        {
            return DeliveryNotFound();
        }

        var now = clock.GetUtcNow();
        var replay = new WebhookDelivery
        {
            Id = Guid.CreateVersion7(),
            EndpointId = id,
            MessageId = found.d.MessageId,
            OrderingKey = found.d.OrderingKey,
            OccurredAt = found.d.OccurredAt,
            NextAttemptAt = now,
            CreatedAt = now,
            ReplayOf = found.d.Id,
        };
        db.WebhookDeliveries.Add(replay);
        await db.SaveChangesAsync(cancellationToken);
        signal.Notify();
        return TypedResults.Accepted($"/api/staff/webhooks/{id}/deliveries/{replay.Id}", View(replay, found.Type));
    }

    private static async Task<Results<Accepted<WebhookReplayed>, ProblemHttpResult>> ReplaySinceAsync(
        Guid id, ReplayWebhookRequest request, NotificationsDbContext db, TimeProvider clock, WebhookSignal signal,
        CancellationToken cancellationToken)
    {
        var endpoint = await db.WebhookEndpoints.AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, cancellationToken);
        if (endpoint is null)
        {
            return EndpointNotFound();
        }

        var now = clock.GetUtcNow();
        if (request.Since > now)
        {
            return FieldError.Result("since", "Not in the future.");
        }

        var queued = await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO webhook_deliveries ("Id", "EndpointId", "MessageId", "OrderingKey", "OccurredAt", "Status", "Attempts", "NextAttemptAt", "CreatedAt")
            SELECT gen_random_uuid(), {id}, m."Id", m."OrderingKey", m."OccurredAt", {WebhookDeliveryStatuses.Pending}, 0, {now}, {now}
            FROM webhook_messages m
            WHERE m."OccurredAt" >= {request.Since!.Value}
              AND (cardinality({endpoint.EventTypes}::text[]) = 0 OR m."Type" = ANY({endpoint.EventTypes}::text[]))
            """, cancellationToken);
        signal.Notify();
        return TypedResults.Accepted($"/api/staff/webhooks/{id}/deliveries", new WebhookReplayed(queued));
    }

    private static WebhookEndpointView View(WebhookEndpoint e) => new(
        e.Id, e.Url, e.EventTypes, e.Description, e.Enabled, e.DisabledReason, e.DisabledAt,
        e.PreviousSecretExpiresAt, e.CreatedAt, e.UpdatedAt);

    private static WebhookDeliveryView View(WebhookDelivery d, string type) => new(
        d.Sequence, d.Id, WebhookMessage.WebhookId(d.MessageId), type, d.OrderingKey, d.Status, d.Attempts,
        d.CreatedAt, d.Status == WebhookDeliveryStatuses.Pending ? d.NextAttemptAt : null, d.DeliveredAt,
        d.LastStatusCode, d.LastError, d.ReplayOf);

    private static ProblemHttpResult EndpointNotFound() =>
        NotificationsProblems.WebhookEndpointNotFound.Result("No webhook endpoint with this id.");

    private static ProblemHttpResult DeliveryNotFound() =>
        NotificationsProblems.WebhookDeliveryNotFound.Result("No delivery with this id at this endpoint.");
}
