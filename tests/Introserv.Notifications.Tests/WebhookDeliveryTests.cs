using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Introserv.Contracts;
using Introserv.Notifications.Webhooks;
using Introserv.Orders.Contracts;

namespace Introserv.Notifications.Tests;

// Deliveries from the consumed events to a real receiver on loopback (webhooks-dev's code), with retries shortened.
public sealed class WebhookDeliveryTests(WebhookNotificationsFactory factory)
    : IClassFixture<WebhookNotificationsFactory>, IAsyncLifetime
{
    private readonly HttpClient _staff = factory.Customer(Guid.NewGuid(), AuthenticationExtensions.StaffRole);

    private WebhookReceiver Receiver => factory.Receiver;

    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public async Task DisposeAsync()
    {
        _staff.Dispose();
        await factory.WebhookEventsRecordedAsync();
    }

    private async Task<(Guid Id, string Secret)> CreateEndpointAsync(string receiver, params string[] eventTypes)
    {
        using var response = await _staff.PostAsJsonAsync("/api/staff/webhooks",
            new { url = Receiver.Url(receiver), eventTypes, description = $"test {receiver}" });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body.ToString());
        var secret = body.GetProperty("secret").GetString()!;
        return (body.GetProperty("endpoint").GetProperty("id").GetGuid(), secret);
    }

    // Records the outcome tag of every webhook attempt measured from now on.
    private static MeterListener ListenToAttempts(ConcurrentBag<string> outcomes)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == WebhookDispatcher.MeterName
                    && instrument.Name == "introserv.webhooks.attempts")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "outcome")
                {
                    outcomes.Add((string)tag.Value!);
                }
            }
        });
        listener.Start();
        return listener;
    }

    // Every delivery's state, for a failure's message.
    private Task<string> DeliveryStateAsync() => factory.QueryAsync(async db => string.Join('\n',
        (await db.WebhookDeliveries.AsNoTracking().OrderBy(d => d.Sequence).ToListAsync()).Select(d =>
            $"{d.Sequence} {d.MessageId} key {d.OrderingKey} at {d.OccurredAt:O} {d.Status} attempts {d.Attempts} " +
            $"next {d.NextAttemptAt:O} {d.LastError}")) + $"\nendpoints: " + string.Join(", ",
        await db.WebhookEndpoints.AsNoTracking().Select(e => $"{e.Id} {e.Enabled} {e.DisabledReason}").ToListAsync()));

    // An account with notification settings (its order mails have somewhere to go).
    private async Task<Guid> NewAccountAsync()
    {
        var account = Guid.NewGuid();
        await factory.PublishEventAsync(WebhookExamples.All(account)[0]);
        return account;
    }

    // The example of type T (there is one of each).
    private static T Example<T>(Guid account, Guid order) =>
        WebhookExamples.All(account, order).OfType<T>().Single();

    [Fact]
    public async Task A_receiver_that_fails_then_recovers_gets_each_event_once_in_order_with_a_valid_signature()
    {
        const string receiver = "recovers";
        var outcomes = new ConcurrentBag<string>();
        using var listener = ListenToAttempts(outcomes);
        var (_, secret) = await CreateEndpointAsync(receiver,
            "order.placed", "invoice.issued", "invoice.paid", "order.activated", "order.cancelled");
        Assert.StartsWith(WebhookSignature.SecretPrefix, secret, StringComparison.Ordinal);
        Receiver.Configure(receiver, [secret], failNext: 3);
        var account = await NewAccountAsync();
        var (first, second) = (Guid.NewGuid(), Guid.NewGuid());
        string[] sequence = ["order.placed", "invoice.issued", "invoice.paid", "order.activated", "order.cancelled"];
        var published = new List<IIntegrationEvent>();
        foreach (var order in new[] { first, second })
        {
            published.AddRange(WebhookExamples.All(account, order).Where(e =>
                e is OrderPlaced or InvoiceIssued or InvoicePaid or OrderActivated or OrderCancelled
                    or BalanceChanged));
        }

        foreach (var message in published)
        {
            await factory.PublishEventAsync(message);
        }

        // The same event again (a redelivery with another message id) is no second delivery.
        await factory.PublishAsync(Example<OrderPlaced>(account, first) with
        {
            EventId = published.OfType<OrderPlaced>().First().EventId,
        });

        await Receiver.AcceptedAsync(receiver, 10);
        await Task.Delay(500);
        var accepted = Receiver.Accepted(receiver);
        Assert.True(10 == accepted.Count, await DeliveryStateAsync());
        Assert.Equal(10, accepted.Select(r => r.WebhookId).Distinct().Count());
        Assert.All(accepted, r => Assert.True(r.SignatureValid, r.SignatureProblem));
        foreach (var order in new[] { first, second })
        {
            var types = accepted.Where(r => r.Body.Contains(order.ToString(), StringComparison.Ordinal))
                .Select(r => r.Type).ToList();
            Assert.Equal(sequence, types);
        }

        // The three refusals were retried and logged; balance.changed was not subscribed to.
        Assert.Equal(3, Receiver.Receivers.List(receiver).Count(r => r.AnsweredStatus == 503));
        Assert.DoesNotContain(accepted, r => r.Type == "balance.changed");
        var (id, _) = (await _staff.GetFromJsonAsync<JsonElement>("/api/staff/webhooks"))
            .GetProperty("items").EnumerateArray()
            .Select(e => (e.GetProperty("id").GetGuid(), 0)).Single();
        var deliveries = (await _staff.GetFromJsonAsync<JsonElement>($"/api/staff/webhooks/{id}/deliveries"))
            .GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(10, deliveries.Count);
        Assert.All(deliveries, d => Assert.Equal("delivered", d.GetProperty("status").GetString()));
        Assert.Equal(13, deliveries.Sum(d => d.GetProperty("attempts").GetInt32()));
        var retried = deliveries.MaxBy(d => d.GetProperty("attempts").GetInt32());
        var detail = await _staff.GetFromJsonAsync<JsonElement>(
            $"/api/staff/webhooks/{id}/deliveries/{retried.GetProperty("id").GetGuid()}");
        var attempts = detail.GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal(retried.GetProperty("attempts").GetInt32(), attempts.Count);
        Assert.Equal(204, attempts[0].GetProperty("statusCode").GetInt32());
        Assert.All(attempts.Skip(1), a => Assert.Equal(503, a.GetProperty("statusCode").GetInt32()));
        Assert.StartsWith("refused by the development receiver",
            attempts[^1].GetProperty("responseBody").GetString(), StringComparison.Ordinal);
        // Every attempt was counted for the service's metrics by its outcome.
        Assert.Equal((10, 3), (outcomes.Count(o => o == "delivered"), outcomes.Count(o => o == "retry")));
        // The body sent never carries the invoice's signed link.
        Assert.DoesNotContain(accepted, r => r.Body.Contains("pdfUrl", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task Every_event_type_of_the_catalogue_is_delivered_with_its_name_and_data()
    {
        const string receiver = "everything";
        var (_, secret) = await CreateEndpointAsync(receiver);
        Receiver.Configure(receiver, [secret]);
        var events = WebhookExamples.All(Guid.NewGuid(), Guid.NewGuid());
        foreach (var message in events)
        {
            await factory.PublishEventAsync(message);
        }

        var accepted = await Receiver.AcceptedAsync(receiver, WebhookCatalogue.Types.Count);
        Assert.Equal(
            WebhookCatalogue.Types.Select(t => t.Name).Order(StringComparer.Ordinal),
            accepted.Select(r => r.Type!).Order(StringComparer.Ordinal));
        foreach (var received in accepted)
        {
            using var body = JsonDocument.Parse(received.Body);
            var data = body.RootElement.GetProperty("data");
            Assert.Equal(events[0].AccountId, data.GetProperty("accountId").GetGuid());
            Assert.False(data.TryGetProperty("eventId", out _));
            Assert.Equal(received.WebhookId,
                WebhookMessage.WebhookId(events.Single(e => WebhookCatalogue.Types
                    .Single(t => t.EventType == e.GetType()).Name == received.Type).EventId));
        }
    }

    [Fact]
    public async Task Twenty_copies_of_one_event_published_at_once_are_one_delivery()
    {
        const string receiver = "copies";
        var (_, secret) = await CreateEndpointAsync(receiver, "order.placed");
        Receiver.Configure(receiver, [secret]);
        var placed = Example<OrderPlaced>(await NewAccountAsync(), Guid.NewGuid());
        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => factory.PublishAsync(placed)));
        await Receiver.AcceptedAsync(receiver, 1);
        await Task.Delay(500);
        Assert.Single(Receiver.Receivers.List(receiver));
    }

    [Fact]
    public async Task A_replay_resends_the_same_webhook_id_and_a_replay_since_resends_every_event_since()
    {
        const string receiver = "replays";
        var (id, secret) = await CreateEndpointAsync(receiver, "order.placed", "order.activated");
        Receiver.Configure(receiver, [secret]);
        var account = await NewAccountAsync();
        var order = Guid.NewGuid();
        await factory.PublishAsync(Example<OrderPlaced>(account, order));
        await factory.PublishAsync(Example<OrderActivated>(account, order));
        var first = await Receiver.AcceptedAsync(receiver, 2);

        var deliveries = (await _staff.GetFromJsonAsync<JsonElement>($"/api/staff/webhooks/{id}/deliveries"))
            .GetProperty("items").EnumerateArray().ToList();
        var placed = deliveries.Single(d => d.GetProperty("eventType").GetString() == "order.placed");
        using var replay = await _staff.PostAsync(
            $"/api/staff/webhooks/{id}/deliveries/{placed.GetProperty("id").GetGuid()}/replay", null);
        Assert.Equal(HttpStatusCode.Accepted, replay.StatusCode);
        var third = (await Receiver.AcceptedAsync(receiver, 3))[2];
        Assert.Equal(first[0].WebhookId, third.WebhookId);
        Assert.True(third.Duplicate);
        Assert.True(third.SignatureValid, third.SignatureProblem);

        using var since = await _staff.PostAsJsonAsync($"/api/staff/webhooks/{id}/replay",
            new { since = WebhookExamples.At.AddMinutes(-1) });
        Assert.Equal(HttpStatusCode.Accepted, since.StatusCode);
        Assert.Equal(2, (await since.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("queued").GetInt32());
        var all = await Receiver.AcceptedAsync(receiver, 5);
        Assert.Equal([first[0].WebhookId, first[1].WebhookId], all.Skip(3).Select(r => r.WebhookId));
    }

    [Fact]
    public async Task An_endpoint_that_keeps_failing_is_disabled_with_a_notice_to_staff_and_resumes_when_enabled()
    {
        const string receiver = "down";
        var (id, secret) = await CreateEndpointAsync(receiver, "order.placed", "order.activated");
        Receiver.Configure(receiver, [secret], failNext: 1000, failStatus: 500);
        var account = await NewAccountAsync();
        var order = Guid.NewGuid();
        await factory.PublishAsync(Example<OrderPlaced>(account, order));
        await factory.PublishAsync(Example<OrderActivated>(account, order));

        var notices = await factory.MailsToAsync(WebhookNotificationsFactory.StaffEmail);
        Assert.True(notices.Count == 1, await DeliveryStateAsync());
        var notice = notices[0];
        Assert.Equal("Webhook endpoint disabled", notice.Subject);
        var endpoint = await _staff.GetFromJsonAsync<JsonElement>($"/api/staff/webhooks/{id}");
        Assert.False(endpoint.GetProperty("enabled").GetBoolean());
        Assert.Contains("HTTP 500", endpoint.GetProperty("disabledReason").GetString(), StringComparison.Ordinal);
        // Four attempts of the first event (the first try and three retries); the second waited behind it.
        Assert.Equal(4, Receiver.Receivers.List(receiver).Count);

        Receiver.Configure(receiver, [secret]);
        using var enable = await _staff.PutAsJsonAsync($"/api/staff/webhooks/{id}", new { enabled = true });
        Assert.Equal(HttpStatusCode.OK, enable.StatusCode);
        // The event that waited goes out once the endpoint is enabled; the failed one comes back by replay.
        var resumed = await Receiver.AcceptedAsync(receiver, 1);
        Assert.Equal("order.activated", resumed[0].Type);
        using var replay = await _staff.PostAsJsonAsync($"/api/staff/webhooks/{id}/replay",
            new { since = WebhookExamples.At.AddMinutes(-1) });
        var all = await Receiver.AcceptedAsync(receiver, 3);
        Assert.Equal(["order.activated", "order.placed", "order.activated"], all.Select(r => r.Type));
    }

    [Fact]
    public async Task A_receiver_that_does_not_answer_is_cut_off_at_the_timeout_and_retried()
    {
        const string receiver = "hangs";
        var (id, secret) = await CreateEndpointAsync(receiver, "order.placed");
        Receiver.Configure(receiver, [secret], hang: true);
        await factory.PublishAsync(Example<OrderPlaced>(await NewAccountAsync(), Guid.NewGuid()));

        var timedOut = await Eventually.ValueAsync(
            () => factory.QueryAsync(db => db.WebhookAttempts.AsNoTracking().ToListAsync()),
            attempts => attempts.Count > 0, TimeSpan.FromSeconds(20));
        var attempt = Assert.Single(timedOut);
        Assert.Null(attempt.StatusCode);
        Assert.Equal("No answer within 2 s.", attempt.Error);
        Assert.InRange(attempt.DurationMs, 1900, 10_000);

        Receiver.Configure(receiver, [secret]);
        var received = Assert.Single(await Receiver.AcceptedAsync(receiver, 1));
        Assert.True(received.Duplicate is false && received.SignatureValid is true, received.ToString());
        var endpoint = await _staff.GetFromJsonAsync<JsonElement>($"/api/staff/webhooks/{id}");
        Assert.True(endpoint.GetProperty("enabled").GetBoolean());
    }

    [Fact]
    public async Task An_endless_answer_is_read_to_its_first_kilobyte_and_the_delivery_counts()
    {
        using var created = await _staff.PostAsJsonAsync("/api/staff/webhooks",
            new { url = new Uri(Receiver.Address, "/endless").ToString(), eventTypes = new[] { "order.placed" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        await factory.PublishAsync(Example<OrderPlaced>(await NewAccountAsync(), Guid.NewGuid()));

        var attempts = await Eventually.ValueAsync(
            () => factory.QueryAsync(db => db.WebhookAttempts.AsNoTracking().ToListAsync()),
            a => a.Count > 0, TimeSpan.FromSeconds(20));
        var attempt = Assert.Single(attempts);
        Assert.Equal((200, WebhookAttempt.ResponseMaxLength), (attempt.StatusCode, attempt.ResponseBody?.Length));
        Assert.True(attempt.DurationMs < 2000, $"{attempt.DurationMs} ms");
        Assert.Equal(WebhookDeliveryStatuses.Delivered,
            await factory.QueryAsync(db => db.WebhookDeliveries.Select(d => d.Status).SingleAsync()));
    }

    [Fact]
    public async Task A_secret_that_cannot_be_read_fails_its_deliveries_unsent_and_the_others_still_go()
    {
        var (broken, _) = await CreateEndpointAsync("unreadable", "order.placed");
        // As if the key it was stored under were lost: a value under another key id.
        await factory.QueryAsync(db => db.WebhookEndpoints.Where(e => e.Id == broken)
            .ExecuteUpdateAsync(s => s.SetProperty(e => e.Secret, "v1.00000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")));
        var (_, secret) = await CreateEndpointAsync("readable", "order.placed");
        Receiver.Configure("readable", [secret]);
        await factory.PublishAsync(Example<OrderPlaced>(await NewAccountAsync(), Guid.NewGuid()));

        Assert.True((await Receiver.AcceptedAsync("readable", 1))[0].SignatureValid);
        var failed = await Eventually.ValueAsync(
            () => factory.QueryAsync(db => db.WebhookDeliveries.AsNoTracking()
                .Where(d => d.EndpointId == broken).ToListAsync()),
            d => d.Count == 1 && d[0].Attempts > 0);
        Assert.StartsWith(
            "The endpoint's signing secret cannot be read", failed[0].LastError, StringComparison.Ordinal);
        Assert.Empty(Receiver.Receivers.List("unreadable"));
    }

    [Fact]
    public async Task The_delivery_log_is_removed_after_its_retention_but_never_a_pending_delivery()
    {
        const string receiver = "retention";
        var (_, secret) = await CreateEndpointAsync(receiver, "order.placed");
        Receiver.Configure(receiver, [secret]);
        Guid[] accounts = [await NewAccountAsync(), await NewAccountAsync()];
        await factory.PublishAsync(Example<OrderPlaced>(accounts[0], Guid.NewGuid()));
        await Receiver.AcceptedAsync(receiver, 1);
        // A second endpoint, disabled while its first delivery hangs, keeps that delivery pending.
        var (pendingEndpoint, _) = await CreateEndpointAsync("hangs-then-disabled", "order.placed");
        Receiver.Configure("hangs-then-disabled", hang: true);
        await factory.PublishAsync(Example<OrderPlaced>(accounts[1], Guid.NewGuid()));
        Assert.True(await Eventually.TrueAsync(() => Receiver.Receivers.List("hangs-then-disabled").Count > 0));
        using (var disable = await _staff.PutAsJsonAsync(
            $"/api/staff/webhooks/{pendingEndpoint}", new { enabled = false }))
        {
            Assert.Equal(HttpStatusCode.OK, disable.StatusCode);
        }

        Assert.True(await Eventually.TrueAsync(async () =>
            await factory.QueryAsync(db => db.WebhookAttempts.CountAsync()) == 2));
        // Every event is kept for the log's retention (a replay may ask for it), subscribed to or not.
        Task<int> MessagesAsync() =>
            factory.QueryAsync(db => db.WebhookMessages.CountAsync(m => accounts.Contains(m.AccountId)));
        Assert.Equal(4, await MessagesAsync());

        factory.Clock.Advance(TimeSpan.FromDays(31));
        try
        {
            // The delivered event goes with its delivery and attempts, the unsubscribed ones too; the second
            // order.placed waits for its pending delivery.
            var removed = await Eventually.TrueAsync(async () => await MessagesAsync() == 1);
            Assert.True(removed, "the log past its retention was not removed");
            var left = await factory.QueryAsync(db => db.WebhookDeliveries.AsNoTracking()
                .Where(d => db.WebhookMessages.Any(m => m.Id == d.MessageId && accounts.Contains(m.AccountId)))
                .ToListAsync());
            // What is left is the second event's: its pending delivery and its delivery to the first endpoint.
            Assert.Single(left.Select(d => d.MessageId).Distinct());
            Assert.Equal(pendingEndpoint, Assert.Single(left, d => d.Status == "pending").EndpointId);
        }
        finally
        {
            factory.Clock.Advance(-TimeSpan.FromDays(31));
        }
    }

    [Fact]
    public async Task A_receiver_answering_410_Gone_disables_its_endpoint_at_once()
    {
        const string receiver = "gone";
        var (id, secret) = await CreateEndpointAsync(receiver, "order.placed");
        Receiver.Configure(receiver, [secret], failNext: 1000, failStatus: 410);
        await factory.PublishAsync(Example<OrderPlaced>(await NewAccountAsync(), Guid.NewGuid()));

        var disabled = await Eventually.TrueAsync(async () =>
            !(await _staff.GetFromJsonAsync<JsonElement>($"/api/staff/webhooks/{id}")).GetProperty("enabled")
                .GetBoolean());
        Assert.True(disabled);
        Assert.Single(Receiver.Receivers.List(receiver));
    }

    [Fact]
    public async Task A_rotated_secret_signs_beside_the_old_one_during_the_overlap_and_alone_after_it()
    {
        const string receiver = "rotation";
        var (id, old) = await CreateEndpointAsync(receiver, "order.placed");
        using var rotate = await _staff.PostAsJsonAsync(
            $"/api/staff/webhooks/{id}/secret", new { overlapMinutes = 60 });
        var rotated = await rotate.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, rotate.StatusCode);
        var fresh = rotated.GetProperty("secret").GetString()!;
        Assert.NotEqual(old, fresh);

        // During the overlap a receiver that knows either secret accepts the delivery.
        foreach (var secret in new[] { old, fresh })
        {
            Receiver.Configure(receiver, [secret]);
            var count = Receiver.Accepted(receiver).Count;
            await factory.PublishAsync(Example<OrderPlaced>(await NewAccountAsync(), Guid.NewGuid()));
            var received = (await Receiver.AcceptedAsync(receiver, count + 1))[^1];
            Assert.True(received.SignatureValid, received.SignatureProblem);
        }

        // Without an overlap the old secret stops at once.
        using var again = await _staff.PostAsJsonAsync($"/api/staff/webhooks/{id}/secret", new { overlapMinutes = 0 });
        Receiver.Configure(receiver, [fresh]);
        var before = Receiver.Accepted(receiver).Count;
        await factory.PublishAsync(Example<OrderPlaced>(await NewAccountAsync(), Guid.NewGuid()));
        var last = (await Receiver.AcceptedAsync(receiver, before + 1))[^1];
        Assert.False(last.SignatureValid);
    }
}
