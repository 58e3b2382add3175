namespace Introserv.Orders.Tests;

// Profile unreachable while a customer pays: a 503 with nothing done, and a retry with the same key charges once.
public sealed class ProfileOutageTests(OrdersServiceFactory factory)
    : IClassFixture<OrdersServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Paying_while_profile_is_unreachable_answers_503_and_the_retry_with_the_same_key_charges_once()
    {
        var accountId = await factory.PayingCustomerAsync(100m);
        using var http = factory.Customer(accountId);
        var (placed, order) = await OrdersServiceFactory.OrderAsync(http, OrderForms.Body("vps-s", 1),
            Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Created, placed);
        var before = await OrdersServiceFactory.BalanceAsync(http);
        var key = Guid.NewGuid().ToString();

        factory.ProfileDown = true;
        (HttpStatusCode Status, JsonElement Body, TimeSpan? RetryAfter) refused;
        (HttpStatusCode Status, string? Code, TimeSpan? RetryAfter, int Seconds) placing;
        try
        {
            refused = await RenewAsync(http, order.GetProperty("id").GetGuid(), key);
            using var place = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
            {
                Content = JsonContent.Create(OrderForms.Body("vps-s", 1)),
            };
            place.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            using var placed2 = await http.SendAsync(place);
            var problem = await placed2.Content.ReadFromJsonAsync<JsonElement>();
            placing = (placed2.StatusCode, problem.GetProperty("code").GetString(), placed2.Headers.RetryAfter?.Delta,
                problem.GetProperty("retryAfterSeconds").GetInt32());
        }
        finally
        {
            factory.ProfileDown = false;
        }

        var during = await OrdersServiceFactory.BalanceAsync(http);
        var renewed = await RenewAsync(http, order.GetProperty("id").GetGuid(), key);
        var again = await RenewAsync(http, order.GetProperty("id").GetGuid(), key);

        Assert.Equal((HttpStatusCode.ServiceUnavailable, "service_unavailable"),
            (refused.Status, refused.Body.GetProperty("code").GetString()));
        // When to try again, in the header and the body (placing answers its own problem, renewing the shared one).
        Assert.Equal((TimeSpan.FromSeconds(5), 5),
            (refused.RetryAfter, refused.Body.GetProperty("retryAfterSeconds").GetInt32()));
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "service_unavailable", TimeSpan.FromSeconds(5), 5), placing);
        Assert.Equal(before, during);
        Assert.Equal(HttpStatusCode.OK, renewed.Status);
        Assert.Equal(renewed.Body.GetRawText(), again.Body.GetRawText());
        Assert.Equal(before - 9.90m, await OrdersServiceFactory.BalanceAsync(http));
        await factory.AssertLedgerExplainsBalanceAsync(accountId);
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body, TimeSpan? RetryAfter)> RenewAsync(
        HttpClient http, Guid orderId, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{orderId}/renew")
        {
            Content = JsonContent.Create(new { periodMonths = 1 })
        };
        request.Headers.Add("Idempotency-Key", key);
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>(),
            response.Headers.RetryAfter?.Delta);
    }
}
