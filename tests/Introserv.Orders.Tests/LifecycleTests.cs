using Introserv.Orders.Features.Lifecycle;
using Npgsql;

namespace Introserv.Orders.Tests;

// The lifecycle job on its schedule (every second here), with the service's clock moved ahead: paid dates pass,
// grace periods end, auto-renewal charges. Each test moves the clock of this class's service only.
public sealed class LifecycleTests(OrdersServiceFactory factory) : IClassFixture<OrdersServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private async Task<JsonElement> WaitForAsync(HttpClient http, Guid orderId, Func<JsonElement, bool> condition)
    {
        JsonElement order = default;
        var found = await Eventually.TrueAsync(async () =>
        {
            order = await http.GetFromJsonAsync<JsonElement>($"/api/orders/{orderId}");
            return condition(order);
        }, Patience);
        Assert.True(found, $"Order {orderId} is still {order.GetProperty("status").GetString()}.");
        return order;
    }

    private async Task<(Guid AccountId, HttpClient Http, JsonElement Order)> OrderAsync(
        string planId, decimal balance, bool autoRenew = false)
    {
        var accountId = await factory.PayingCustomerAsync(balance);
        var http = factory.Customer(accountId);
        var (status, order) = await OrdersServiceFactory.OrderAsync(http,
            new { planId, periodMonths = 1, autoRenew, fields = OrderForms.For(planId) },
            Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Created, status);
        return (accountId, http, order);
    }

    private static DateTimeOffset PaidUntil(JsonElement order) => order.GetProperty("paidUntil").GetDateTimeOffset();

    // Moves the clock so that moment has passed.
    private void MovePast(DateTimeOffset moment)
    {
        var now = factory.Clock.GetUtcNow();
        if (moment >= now)
        {
            factory.Clock.Advance(moment - now + TimeSpan.FromMinutes(1));
        }
    }

    // The order's events in the outbox (read soon after they are written: sent ones are pruned after a week of the
    // moved clock).
    private async Task<List<string>> EventsAsync(Guid orderId)
    {
        var messages = await factory.QueryAsync(db => db.Set<Introserv.BuildingBlocks.Messaging.OutboxMessage>()
            .Select(m => new { m.MessageType, m.Payload })
            .ToListAsync());
        return [.. messages.Where(m => m.Payload.Contains(orderId.ToString("D"), StringComparison.OrdinalIgnoreCase))
            .Select(m => m.MessageType)];
    }

    [Fact]
    public async Task An_order_that_will_not_renew_by_itself_is_reminded_7_3_and_1_days_ahead_once_each()
    {
        // Renewal off; renewal on with a balance that covers it (no reminder); renewal on without the money.
        var (_, _, manual) = await OrderAsync("vps-s", 30m);
        var (_, _, covered) = await OrderAsync("vps-s", 30m, autoRenew: true);
        var (_, _, poor) = await OrderAsync("vps-s", 10m, autoRenew: true);
        var ids = new[] { manual, covered, poor }.Select(o => o.GetProperty("id").GetGuid()).ToArray();
        var paidUntil = new[] { manual, covered, poor }.Select(PaidUntil).Max();

        async Task<List<(Guid Order, int Day)>> RemindersAsync() =>
            [.. (await factory.QueryAsync(db => db.RenewalReminders.Where(r => ids.Contains(r.OrderId)).ToListAsync()))
                .Select(r => (r.OrderId, r.DaysAhead))];
        async Task ReachAsync(double daysAhead, int day)
        {
            MovePast(paidUntil - TimeSpan.FromDays(daysAhead));
            var reached = await Eventually.TrueAsync(
                async () => (await RemindersAsync()).Count(r => r.Day == day) == 2, Patience);
            Assert.True(reached, $"no {day}-day reminders");
        }

        await ReachAsync(6.5, 7);
        await ReachAsync(2.5, 3);
        await ReachAsync(0.5, 1);
        // More passes (one a second) change nothing.
        await Task.Delay(TimeSpan.FromSeconds(3));
        var reminders = await RemindersAsync();
        var events = new List<string>();
        foreach (var id in ids)
        {
            events.AddRange((await EventsAsync(id))
                .Where(type => type.Contains(".OrderRenewalDue,", StringComparison.Ordinal))
                .Select(_ => id.ToString()));
        }

        Assert.Equal([1, 3, 7], reminders.Where(r => r.Order == ids[0]).Select(r => r.Day).Order());
        Assert.DoesNotContain(reminders, r => r.Order == ids[1]);
        Assert.Equal([1, 3, 7], reminders.Where(r => r.Order == ids[2]).Select(r => r.Day).Order());
        Assert.Equal(3, events.Count(e => e == ids[0].ToString()));
        Assert.Equal(0, events.Count(e => e == ids[1].ToString()));
        Assert.Equal(3, events.Count(e => e == ids[2].ToString()));
    }

    [Fact]
    public async Task An_unrenewed_order_goes_overdue_suspended_terminated_and_its_address_returns_to_the_pool()
    {
        var (_, http, order) = await OrderAsync("vps-s", 10m);
        var orderId = order.GetProperty("id").GetGuid();
        var paidUntil = PaidUntil(order);

        MovePast(paidUntil);
        var overdue = await WaitForAsync(http, orderId, o => o.GetProperty("status").GetString() == "overdue");
        var events = await EventsAsync(orderId);
        MovePast(paidUntil + TimeSpan.FromDays(3));
        var suspended = await WaitForAsync(http, orderId, o => o.GetProperty("status").GetString() == "suspended");
        events.AddRange(await EventsAsync(orderId));
        var heldWhileSuspended = await factory.QueryAsync(db => db.AddressPool.CountAsync(a => a.OrderId == orderId));
        MovePast(paidUntil + TimeSpan.FromDays(3 + 14));
        var terminated = await WaitForAsync(http, orderId, o => o.GetProperty("status").GetString() == "terminated");
        events.AddRange(await EventsAsync(orderId));
        var heldAfter = await factory.QueryAsync(db => db.AddressPool.CountAsync(a => a.OrderId == orderId));

        Assert.Equal(["renew", "cancel"], overdue.GetProperty("actions").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(0, overdue.GetProperty("daysRemaining").GetInt32());
        Assert.Equal(["renew", "cancel"], suspended.GetProperty("actions").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(1, heldWhileSuspended);
        Assert.Equal(0, heldAfter);
        Assert.Empty(terminated.GetProperty("actions").EnumerateArray());
        Assert.Equal(["pending_payment", "active", "overdue", "suspended", "terminated"],
            terminated.GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("status").GetString()));
        Assert.Contains(events, t => t.Contains("OrderOverdue", StringComparison.Ordinal));
        Assert.Contains(events, t => t.Contains("OrderSuspended", StringComparison.Ordinal));
        Assert.Contains(events, t => t.Contains("OrderTerminated", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_overdue_order_leaves_an_unpaid_renewal_invoice_and_paying_it_renews_the_order()
    {
        var (accountId, http, order) = await OrderAsync("vps-s", 10m);
        var orderId = order.GetProperty("id").GetGuid();
        var (_, otherHttp, other) = await OrderAsync("vps-s", 10m);
        var otherId = other.GetProperty("id").GetGuid();

        MovePast(new[] { PaidUntil(order), PaidUntil(other) }.Max());
        await WaitForAsync(http, orderId, o => o.GetProperty("status").GetString() == "overdue");
        await WaitForAsync(otherHttp, otherId, o => o.GetProperty("status").GetString() == "overdue");
        var unpaid = Assert.Single((await http.GetFromJsonAsync<JsonElement>("/api/invoices?status=unpaid"))
            .GetProperty("items")
            .EnumerateArray());
        var (poor, poorProblem) = await OrdersServiceFactory.PostAsync(http,
            $"/api/invoices/{unpaid.GetProperty("id").GetGuid()}/pay");
        await factory.CreditAsync(accountId, 20m);
        var (paid, renewed) = await OrdersServiceFactory.PostAsync(http,
            $"/api/invoices/{unpaid.GetProperty("id").GetGuid()}/pay");

        // The other customer renews with the renew action instead: the renewal invoice is void.
        var otherAccount = await factory.QueryAsync(db =>
            db.Orders.Where(o => o.Id == otherId).Select(o => o.AccountId).SingleAsync());
        await factory.CreditAsync(otherAccount, 20m);
        using var renewal = new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{otherId}/renew")
        {
            Content = JsonContent.Create(new { periodMonths = 1 })
        };
        renewal.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var renewedOther = await otherHttp.SendAsync(renewal);
        var otherInvoices = (await otherHttp.GetFromJsonAsync<JsonElement>("/api/invoices"))
            .GetProperty("items")
            .EnumerateArray()
            .ToList();

        Assert.Equal(("renewal", "unpaid", 9.90m),
            (unpaid.GetProperty("kind").GetString(), unpaid.GetProperty("status").GetString(),
                unpaid.GetProperty("amount").GetDecimal()));
        Assert.Equal((HttpStatusCode.PaymentRequired, "insufficient_balance"),
            (poor, poorProblem.GetProperty("code").GetString()));
        Assert.Equal(HttpStatusCode.OK, paid);
        Assert.Equal(("active", "paid"),
            (renewed.GetProperty("status").GetString(),
                renewed.GetProperty("invoice").GetProperty("status").GetString()));
        Assert.True(PaidUntil(renewed) > factory.Clock.GetUtcNow().AddDays(27));
        Assert.Equal(0.10m + 20m - 9.90m, await OrdersServiceFactory.BalanceAsync(http));
        Assert.Equal(HttpStatusCode.OK, renewedOther.StatusCode);
        Assert.Equal(["renewal:paid", "renewal:void", "new_order:paid"],
            otherInvoices.Select(i => $"{i.GetProperty("kind").GetString()}:{i.GetProperty("status").GetString()}"));
        await factory.AssertLedgerExplainsBalanceAsync(accountId);
    }

    [Fact]
    public async Task Auto_renewal_charges_when_the_balance_allows_and_otherwise_the_order_goes_overdue()
    {
        var (renewingAccount, renewingHttp, renewing) = await OrderAsync("vps-s", 25m, autoRenew: true);
        var (_, poorHttp, poor) = await OrderAsync("vps-s", 10m, autoRenew: true);
        var paidUntil = PaidUntil(renewing);

        MovePast(new[] { paidUntil, PaidUntil(poor) }.Max());
        var renewed = await WaitForAsync(renewingHttp, renewing.GetProperty("id").GetGuid(),
            o => PaidUntil(o) > paidUntil);
        var overdue = await WaitForAsync(poorHttp, poor.GetProperty("id").GetGuid(),
            o => o.GetProperty("status").GetString() == "overdue");
        var balance = await renewingHttp.GetFromJsonAsync<JsonElement>("/api/balance");

        Assert.Equal("active", renewed.GetProperty("status").GetString());
        Assert.Equal(paidUntil.AddMonths(1), PaidUntil(renewed));
        Assert.Equal(25m - 9.90m - 9.90m, balance.GetProperty("balance").GetDecimal());
        Assert.Equal("renewal_charge", balance.GetProperty("items")[0].GetProperty("reason").GetString());
        Assert.Contains(overdue.GetProperty("timeline").EnumerateArray(),
            t => t.GetProperty("note").GetString() == "Auto-renewal refused: insufficient balance");
        await factory.AssertLedgerExplainsBalanceAsync(renewingAccount);
    }

    [Fact]
    public async Task A_scheduled_cancellation_ends_at_the_paid_date_and_an_unpaid_order_ends_after_the_payment_window()
    {
        var (_, http, order) = await OrderAsync("vps-s", 10m);
        var orderId = order.GetProperty("id").GetGuid();
        var (_, unpaidHttp, unpaid) = await OrderAsync("vps-m", 0m);
        var (scheduled, _) = await OrdersServiceFactory.PostAsync(http, $"/api/orders/{orderId}/cancellation",
            new { mode = "end_of_term" });

        MovePast(PaidUntil(order));
        var cancelled = await WaitForAsync(http, orderId, o => o.GetProperty("status").GetString() == "cancelled");
        var abandoned = await WaitForAsync(unpaidHttp, unpaid.GetProperty("id").GetGuid(),
            o => o.GetProperty("status").GetString() == "cancelled");
        var invoices = await unpaidHttp.GetFromJsonAsync<JsonElement>("/api/invoices");

        Assert.Equal(HttpStatusCode.OK, scheduled);
        Assert.Equal(0, await factory.QueryAsync(db => db.AddressPool.CountAsync(a => a.OrderId == orderId)));
        Assert.Equal("Cancelled at the end of the term",
            cancelled.GetProperty("timeline").EnumerateArray().Last().GetProperty("note").GetString());
        Assert.Equal("void", invoices.GetProperty("items")[0].GetProperty("status").GetString());
        Assert.Equal(0.10m, await OrdersServiceFactory.BalanceAsync(http));
    }

    [Fact]
    public async Task Only_one_pass_runs_at_a_time()
    {
        await using var other = new NpgsqlConnection(factory.ConnectionString);
        await other.OpenAsync();
        await using (var take = new NpgsqlCommand($"SELECT pg_advisory_lock({LifecycleJob.LockKey})", other))
        {
            await take.ExecuteScalarAsync();
        }

        var whileHeld = await factory.Lifecycle.RunOnceAsync(CancellationToken.None);
        await using (var release = new NpgsqlCommand($"SELECT pg_advisory_unlock({LifecycleJob.LockKey})", other))
        {
            await release.ExecuteScalarAsync();
        }

        LifecyclePass? afterwards = null;
        var ran = await Eventually.TrueAsync(
            async () => (afterwards = await factory.Lifecycle.RunOnceAsync(CancellationToken.None)).Ran, Patience);

        Assert.False(whileHeld.Ran);
        Assert.True(ran);
        Assert.NotNull(afterwards);
    }
}
