namespace Introserv.Orders.Tests;

public sealed class OrderTests(OrdersServiceFactory factory) : IClassFixture<OrdersServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private HttpClient Customer(Guid accountId) => factory.Customer(accountId);

    private Task<Guid> PayingCustomerAsync(decimal balance, bool completeProfile = true) =>
        factory.PayingCustomerAsync(balance, completeProfile);

    private static Task<(HttpStatusCode Status, JsonElement Body)> OrderAsync(
        HttpClient http, object body, string? key) =>
        OrdersServiceFactory.OrderAsync(http, body, key);

    [Fact]
    public async Task A_paid_order_is_active_with_an_address_and_the_balance_pays_for_it()
    {
        var accountId = await PayingCustomerAsync(400m);
        using var http = Customer(accountId);

        var before = DateTimeOffset.UtcNow;
        var (status, order) = await OrderAsync(http, OrderForms.Body("ds-e3", 3),
            Guid.NewGuid().ToString());
        var balance = await http.GetFromJsonAsync<JsonElement>("/api/balance");
        var active = await http.GetFromJsonAsync<JsonElement>("/api/orders");

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("active", order.GetProperty("status").GetString());
        Assert.Equal(("ds-e3", "Dedicated E-2388G"),
            (order.GetProperty("planId").GetString(), order.GetProperty("planName").GetString()));
        Assert.Matches(@"^(203\.0\.113|198\.51\.100)\.\d+$", order.GetProperty("ipAddress").GetString());
        // 89.00 × 3 × 0.97 = 258.99, plus the 49.00 setup fee.
        Assert.Equal(307.99m, order.GetProperty("invoice").GetProperty("amount").GetDecimal());
        var paidUntil = order.GetProperty("paidUntil").GetDateTimeOffset();
        Assert.InRange(paidUntil, before.AddMonths(3).AddMinutes(-1), DateTimeOffset.UtcNow.AddMonths(3).AddMinutes(1));
        Assert.InRange(order.GetProperty("daysRemaining").GetInt32(), 89, 93);
        Assert.Equal(["renew", "change_plan", "cancel"],
            order.GetProperty("actions").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("paid", order.GetProperty("invoice").GetProperty("status").GetString());
        Assert.Equal(92.01m, balance.GetProperty("balance").GetDecimal());
        Assert.Equal(order.GetProperty("id").GetGuid(),
            Assert.Single(active.GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task An_order_the_balance_does_not_cover_waits_for_payment_and_is_activated_when_paid()
    {
        var accountId = await PayingCustomerAsync(5m);
        using var http = Customer(accountId);

        var (_, order) = await OrderAsync(http, OrderForms.Body("vps-s", 1), Guid.NewGuid().ToString());
        var invoiceId = order.GetProperty("invoice").GetProperty("id").GetGuid();
        using var tooPoor = await http.PostAsync($"/api/invoices/{invoiceId}/pay", null);
        using var staff = factory.Api(TestTokens.For(Guid.NewGuid(), AuthenticationExtensions.StaffRole));
        (await staff.PostAsJsonAsync($"/api/staff/balances/{accountId}/credits",
            new { amount = 10m, currency = "EUR", paymentReference = Guid.NewGuid().ToString() })).Dispose();
        using var paid = await http.PostAsync($"/api/invoices/{invoiceId}/pay", null);
        using var again = await http.PostAsync($"/api/invoices/{invoiceId}/pay", null);
        var details = await http.GetFromJsonAsync<JsonElement>($"/api/orders/{order.GetProperty("id").GetGuid()}");
        var balance = await http.GetFromJsonAsync<JsonElement>("/api/balance");

        Assert.Equal(("pending_payment", "unpaid"),
            (order.GetProperty("status").GetString(), order.GetProperty("invoice").GetProperty("status").GetString()));
        Assert.Equal(["pay", "cancel"], order.GetProperty("actions").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(HttpStatusCode.PaymentRequired, tooPoor.StatusCode);
        Assert.Equal("insufficient_balance",
            (await tooPoor.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, paid.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("active", details.GetProperty("status").GetString());
        Assert.Equal(["pending_payment", "active"],
            details.GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("status").GetString()));
        Assert.Equal(15m - 9.90m, balance.GetProperty("balance").GetDecimal());
    }

    [Fact]
    public async Task Payment_is_refused_with_the_profiles_reasons()
    {
        var accountId = await PayingCustomerAsync(100m, completeProfile: false);
        using var http = Customer(accountId);

        var (status, order) = await OrderAsync(http, OrderForms.Body("vps-s", 1),
            Guid.NewGuid().ToString());
        using var pay = await http.PostAsync(
            $"/api/invoices/{order.GetProperty("invoice").GetProperty("id").GetGuid()}/pay", null);
        var problem = await pay.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("pending_payment", order.GetProperty("status").GetString());
        Assert.Contains("payment_blocked_postal_address_incomplete",
            order.GetProperty("paymentBlockedReasons").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal(HttpStatusCode.Forbidden, pay.StatusCode);
        Assert.StartsWith("payment_blocked_", problem.GetProperty("code").GetString(), StringComparison.Ordinal);
        Assert.Equal(100m,
            (await http.GetFromJsonAsync<JsonElement>("/api/balance")).GetProperty("balance").GetDecimal());
    }

    [Fact]
    public async Task One_idempotency_key_orders_once_even_fifty_times_at_once()
    {
        var accountId = await PayingCustomerAsync(1000m);
        using var http = Customer(accountId);
        var key = Guid.NewGuid().ToString();
        var body = OrderForms.Body("vps-m", 1);

        var (missingKey, missingBody) = await OrderAsync(http, body, null);
        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => OrderAsync(http, body, key)));
        var (replay, replayBody) = await OrderAsync(http, body, key);
        var (reused, reusedBody) = await OrderAsync(http, OrderForms.Body("vps-l", 1), key);
        var orders = await http.GetFromJsonAsync<JsonElement>("/api/orders");
        var balance = await http.GetFromJsonAsync<JsonElement>("/api/balance");

        Assert.Equal(HttpStatusCode.BadRequest, missingKey);
        Assert.Equal("idempotency_key_required", missingBody.GetProperty("code").GetString());
        Assert.All(results,
            r => Assert.True(r.Status is HttpStatusCode.Created or HttpStatusCode.Conflict, $"{r.Status}"));
        var created = results.Where(r => r.Status == HttpStatusCode.Created)
            .Select(r => r.Body.GetProperty("id").GetGuid())
            .Distinct()
            .ToList();
        var id = Assert.Single(created);
        Assert.All(results.Where(r => r.Status == HttpStatusCode.Conflict),
            r => Assert.Equal("idempotency_request_in_progress", r.Body.GetProperty("code").GetString()));
        Assert.Equal(HttpStatusCode.Created, replay);
        Assert.Equal(id, replayBody.GetProperty("id").GetGuid());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused);
        Assert.Equal("idempotency_key_reused", reusedBody.GetProperty("code").GetString());
        Assert.Single(orders.GetProperty("items").EnumerateArray());
        Assert.Equal(1000m - 19.90m, balance.GetProperty("balance").GetDecimal());
    }

    [Fact]
    public async Task A_renewal_extends_from_the_paid_date_once_per_key_and_only_when_the_balance_covers_it()
    {
        var accountId = await PayingCustomerAsync(100m);
        using var http = Customer(accountId);
        var (_, order) = await OrderAsync(http, OrderForms.Body("vps-s", 1), Guid.NewGuid().ToString());
        var id = order.GetProperty("id").GetGuid();
        var paidUntil = order.GetProperty("paidUntil").GetDateTimeOffset();
        var key = Guid.NewGuid().ToString();

        async Task<(HttpStatusCode, JsonElement)> RenewAsync(int months, string renewKey)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{id}/renew")
            {
                Content = JsonContent.Create(new { periodMonths = months })
            };
            request.Headers.Add("Idempotency-Key", renewKey);
            using var response = await http.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
        }

        var (renewed, body) = await RenewAsync(3, key);
        var (replayed, replayBody) = await RenewAsync(3, key);
        var (tooPoor, tooPoorBody) = await RenewAsync(12, Guid.NewGuid().ToString());
        var balance = await http.GetFromJsonAsync<JsonElement>("/api/balance");
        var details = await http.GetFromJsonAsync<JsonElement>($"/api/orders/{id}");

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (renewed, replayed));
        Assert.Equal(paidUntil.AddMonths(3), body.GetProperty("paidUntil").GetDateTimeOffset());
        Assert.Equal(body.GetProperty("paidUntil").GetDateTimeOffset(),
            replayBody.GetProperty("paidUntil").GetDateTimeOffset());
        // 9.90 × 3 × 0.97 = 28.809, rounded to 28.81.
        Assert.Equal(28.81m, body.GetProperty("invoice").GetProperty("amount").GetDecimal());
        Assert.Equal(HttpStatusCode.PaymentRequired, tooPoor);
        Assert.Equal("insufficient_balance", tooPoorBody.GetProperty("code").GetString());
        Assert.Equal(100m - 9.90m - 28.81m, balance.GetProperty("balance").GetDecimal());
        Assert.Equal(paidUntil.AddMonths(3), details.GetProperty("paidUntil").GetDateTimeOffset());
    }

    [Fact]
    public async Task Orders_are_validated_and_the_history_filters_by_status()
    {
        var accountId = await PayingCustomerAsync(50m);
        using var http = Customer(accountId);

        var (badPlan, badPlanBody) = await OrderAsync(http, OrderForms.Body("nope", 1),
            Guid.NewGuid().ToString());
        var (badPeriod, badPeriodBody) = await OrderAsync(http, OrderForms.Body("vps-s", 2),
            Guid.NewGuid().ToString());
        await OrderAsync(http, OrderForms.Body("vps-s", 1), Guid.NewGuid().ToString());
        await OrderAsync(http, OrderForms.Body("ds-epyc", 1), Guid.NewGuid().ToString());
        var pending = await http.GetFromJsonAsync<JsonElement>("/api/orders/history?status=pending_payment");
        var all = await http.GetFromJsonAsync<JsonElement>("/api/orders/history?limit=1");
        using var foreign = await Customer(Guid.NewGuid())
            .GetAsync($"/api/orders/{pending.GetProperty("items")[0].GetProperty("id").GetGuid()}");

        Assert.Equal(HttpStatusCode.BadRequest, badPlan);
        Assert.True(badPlanBody.GetProperty("errors").TryGetProperty("planId", out _));
        Assert.Equal(HttpStatusCode.BadRequest, badPeriod);
        Assert.True(badPeriodBody.GetProperty("errors").TryGetProperty("periodMonths", out _));
        Assert.Equal("ds-epyc",
            Assert.Single(pending.GetProperty("items").EnumerateArray()).GetProperty("planId").GetString());
        Assert.Equal(1, all.GetProperty("items").GetArrayLength());
        Assert.NotEqual(JsonValueKind.Null, all.GetProperty("nextCursor").ValueKind);
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
    }
}
