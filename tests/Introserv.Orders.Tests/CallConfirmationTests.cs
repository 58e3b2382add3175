namespace Introserv.Orders.Tests;

// For an account that confirms sensitive operations by call, an order or plan change charging more than the
// confirmation amount (EUR 100 by default) needs a step-up token for it; Identity's answer is scripted here (the
// whole chain is tested through the gateway). Nothing is charged when refused; a token confirms one charge once.
public sealed class CallConfirmationTests(OrdersServiceFactory factory)
    : IClassFixture<OrdersServiceFactory>, IAsyncLifetime
{
    private static readonly object Dedicated = OrderForms.Body("ds-e3", 1);

    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync()
    {
        factory.Confirmation.Down = false;
        return Task.CompletedTask;
    }

    [Fact]
    public async Task A_large_order_needs_a_token_for_it_and_the_token_confirms_one_order_once()
    {
        var accountId = await factory.PayingCustomerAsync(1000m);
        factory.Confirmation.ConfirmByCall(accountId);
        using var http = factory.Customer(accountId);
        var key = Guid.NewGuid().ToString();

        var (refusedStatus, refused) = await OrderAsync(http, Dedicated, key, token: null);
        var wrongOperation = factory.Confirmation.IssueToken(accountId, "change_plan");
        var (wrongStatus, wrong) = await OrderAsync(http, Dedicated, key, wrongOperation);
        var otherAccount = factory.Confirmation.IssueToken(Guid.NewGuid(), "confirm_order");
        var (otherStatus, other) = await OrderAsync(http, Dedicated, key, otherAccount);
        var balanceWhileRefused = await OrdersServiceFactory.BalanceAsync(http);

        var token = factory.Confirmation.IssueToken(accountId, "confirm_order");
        var (placedStatus, placed) = await OrderAsync(http, Dedicated, key, token);
        // The retry of the same request answers the first answer without a new token.
        var (replayStatus, replay) = await OrderAsync(http, Dedicated, key, token: null);
        // The token is spent: another order cannot use it.
        var (reusedStatus, reused) = await OrderAsync(http, Dedicated, Guid.NewGuid().ToString(), token);
        // A small order needs none.
        var (smallStatus, _) = await OrderAsync(
            http, OrderForms.Body("vps-s", 1), Guid.NewGuid().ToString(), token: null);

        Assert.Equal((HttpStatusCode.Forbidden, "step_up_required"), (refusedStatus, Code(refused)));
        Assert.Equal("confirm_order", refused.GetProperty("operation").GetString());
        Assert.Equal(["call", "sms"], refused.GetProperty("methods").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal((HttpStatusCode.Forbidden, "other_operation"), (wrongStatus, Reason(wrong)));
        Assert.Equal((HttpStatusCode.Forbidden, "other_account"), (otherStatus, Reason(other)));
        Assert.Equal(1000m, balanceWhileRefused);
        Assert.Equal(HttpStatusCode.Created, placedStatus);
        Assert.Equal((HttpStatusCode.Created, placed.GetRawText()), (replayStatus, replay.GetRawText()));
        Assert.Equal((HttpStatusCode.Forbidden, "unknown_or_used"), (reusedStatus, Reason(reused)));
        Assert.Equal(HttpStatusCode.Created, smallStatus);
        Assert.Equal(1000m - 138m - 9.90m, await OrdersServiceFactory.BalanceAsync(http));
        await factory.AssertLedgerExplainsBalanceAsync(accountId);
    }

    [Fact]
    public async Task Twenty_orders_at_once_with_one_token_place_one()
    {
        var accountId = await factory.PayingCustomerAsync(5000m);
        factory.Confirmation.ConfirmByCall(accountId);
        using var http = factory.Customer(accountId);
        var token = factory.Confirmation.IssueToken(accountId, "confirm_order");

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            OrderAsync(http, Dedicated, Guid.NewGuid().ToString(), token)));

        Assert.Single(results, r => r.Status == HttpStatusCode.Created);
        Assert.All(results.Where(r => r.Status != HttpStatusCode.Created),
            r => Assert.Equal((HttpStatusCode.Forbidden, "unknown_or_used"), (r.Status, Reason(r.Body))));
        Assert.Equal(5000m - 138m, await OrdersServiceFactory.BalanceAsync(http));
        await factory.AssertLedgerExplainsBalanceAsync(accountId);
    }

    [Fact]
    public async Task While_identity_cannot_be_asked_a_large_order_answers_503_with_nothing_charged()
    {
        var accountId = await factory.PayingCustomerAsync(1000m);
        using var http = factory.Customer(accountId);
        var key = Guid.NewGuid().ToString();

        factory.Confirmation.Down = true;
        var (downStatus, down) = await OrderAsync(http, Dedicated, key, token: null);
        var (smallStatus, _) = await OrderAsync(
            http, OrderForms.Body("vps-s", 1), Guid.NewGuid().ToString(), token: null);
        factory.Confirmation.Down = false;
        var (retryStatus, _) = await OrderAsync(http, Dedicated, key, token: null);

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "confirmation_unavailable"), (downStatus, Code(down)));
        Assert.Equal(HttpStatusCode.Created, smallStatus);
        Assert.Equal(HttpStatusCode.Created, retryStatus);
        Assert.Equal(1000m - 9.90m - 138m, await OrdersServiceFactory.BalanceAsync(http));
    }

    [Fact]
    public async Task A_large_upgrade_needs_a_token_for_the_plan_change()
    {
        var accountId = await factory.PayingCustomerAsync(1000m);
        using var http = factory.Customer(accountId);
        var (_, order) = await OrderAsync(http, Dedicated, Guid.NewGuid().ToString(), token: null);
        var orderId = order.GetProperty("id").GetGuid();
        factory.Confirmation.ConfirmByCall(accountId);
        var (_, quote) = await OrdersServiceFactory.PostAsync(
            http, $"/api/orders/{orderId}/plan-change/quote", new { planId = "ds-epyc" });
        var amount = quote.GetProperty("amount").GetDecimal();
        var change = new { quoteId = quote.GetProperty("quoteId").GetGuid() };
        var before = await OrdersServiceFactory.BalanceAsync(http);

        var (refusedStatus, refused) = await ChangeAsync(http, orderId, change, token: null);
        var token = factory.Confirmation.IssueToken(accountId, "change_plan");
        var (changedStatus, changed) = await ChangeAsync(http, orderId, change, token);

        Assert.True(amount > 100m, $"the upgrade costs {amount}");
        Assert.Equal((HttpStatusCode.Forbidden, "step_up_required"), (refusedStatus, Code(refused)));
        Assert.Equal("change_plan", refused.GetProperty("operation").GetString());
        Assert.Equal(HttpStatusCode.OK, changedStatus);
        Assert.Equal("ds-epyc", changed.GetProperty("planId").GetString());
        Assert.Equal(before - amount, await OrdersServiceFactory.BalanceAsync(http));
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> OrderAsync(
        HttpClient http, object body, string key, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
        {
            Content = JsonContent.Create(body),
        };
        request.Headers.Add("Idempotency-Key", key);
        if (token is not null)
        {
            request.Headers.Add("Step-Up-Token", token);
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> ChangeAsync(
        HttpClient http, Guid orderId, object body, string? token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{orderId}/plan-change")
        {
            Content = JsonContent.Create(body),
        };
        if (token is not null)
        {
            request.Headers.Add("Step-Up-Token", token);
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private static string? Code(JsonElement body) => body.GetProperty("code").GetString();

    private static string? Reason(JsonElement body) =>
        body.TryGetProperty("reason", out var reason) ? reason.GetString() : Code(body);
}
