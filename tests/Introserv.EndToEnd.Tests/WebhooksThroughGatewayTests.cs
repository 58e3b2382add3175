using Aspire.Hosting.Testing;

namespace Introserv.EndToEnd.Tests;

// The provider's provisioning system learns of every order change: through the gateway, staff register an endpoint at
// webhooks-dev (the development receiver), a customer orders, changes plan and cancels, and the receiver shows each
// event once, in order, with a valid signature.
[Collection(StackDefinition.Name)]
public sealed class WebhooksThroughGatewayTests(StackFixture stack)
{
    [Fact]
    public async Task Staff_register_an_endpoint_and_it_receives_each_order_event_once_signed_and_in_order()
    {
        using var receiver = stack.App.CreateHttpClient(ResourceNames.WebhooksDev, ResourceNames.HttpEndpoint);
        var name = $"provisioning-{Guid.NewGuid():N}";
        using var staff = await stack.StaffAsync();
        using var created = await staff.PostAsJsonAsync("/api/staff/webhooks", new
        {
            url = new Uri(receiver.BaseAddress!, $"/receive/{name}").ToString(),
            eventTypes = new[]
            {
                "order.placed", "order.activated", "order.plan_changed", "order.cancelled", "invoice.issued",
                "invoice.paid", "refund.issued",
            },
            description = "Provisioning (end-to-end test)",
        });
        var endpoint = await created.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(created.StatusCode == HttpStatusCode.Created, endpoint.ToString());
        var secret = endpoint.GetProperty("secret").GetString()!;
        using (var configured = await receiver.PutAsJsonAsync(
            $"/api/receivers/{name}", new { secrets = new[] { secret } }))
        {
            await Expect.StatusAsync(HttpStatusCode.NoContent, configured);
        }

        // A customer without the staff role cannot see or change endpoints.
        var (api, _, _) = await stack.RegisterPayingCustomerAsync("hook", 100m);
        using var customer = api;
        using (var refused = await customer.GetAsync("/api/staff/webhooks"))
        {
            await Expect.StatusAsync(HttpStatusCode.Forbidden, refused);
        }

        var orderId = await OrderChangeAndCancelAsync(customer);

        string[] expected =
        [
            "order.placed", "invoice.issued", "invoice.paid", "order.activated", "order.plan_changed",
            "invoice.issued", "invoice.paid", "refund.issued", "order.cancelled",
        ];
        var received = await Eventually.ValueAsync(
            async () => (await receiver.GetFromJsonAsync<JsonElement>($"/api/received?receiver={name}"))
                .EnumerateArray().Reverse().ToList(),
            r => r.Count >= expected.Length, TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(1));
        received = [.. (await receiver.GetFromJsonAsync<JsonElement>($"/api/received?receiver={name}"))
            .EnumerateArray().Reverse()];

        Assert.All(received, r =>
        {
            Assert.True(r.GetProperty("signatureValid").GetBoolean(), r.ToString());
            Assert.False(r.GetProperty("duplicate").GetBoolean(), r.ToString());
            Assert.Contains(orderId.ToString(), r.GetProperty("body").GetString(), StringComparison.Ordinal);
        });
        var types = received.Select(r => r.GetProperty("type").GetString()).ToList();
        Assert.Equal(expected.Order(StringComparer.Ordinal), types.Order(StringComparer.Ordinal));
        // The events of an order arrive in the order they happened.
        Assert.True(types.IndexOf("order.placed") < types.IndexOf("order.activated"), string.Join(", ", types));
        Assert.True(types.IndexOf("order.activated") < types.IndexOf("order.plan_changed"), string.Join(", ", types));
        Assert.True(types.IndexOf("order.plan_changed") < types.IndexOf("order.cancelled"), string.Join(", ", types));

        // Staff see each delivery in the log, delivered at the first attempt.
        var id = endpoint.GetProperty("endpoint").GetProperty("id").GetGuid();
        var log = await staff.GetFromJsonAsync<JsonElement>($"/api/staff/webhooks/{id}/deliveries");
        Assert.All(log.GetProperty("items").EnumerateArray(), d => Assert.Equal(
            ("delivered", 1), (d.GetProperty("status").GetString(), d.GetProperty("attempts").GetInt32())));
        Assert.Equal(expected.Length, log.GetProperty("items").GetArrayLength());
    }

    // Places a VPS S paid from the balance, moves it to VPS M by quote and cancels it at once by quote; its id.
    private static async Task<Guid> OrderChangeAndCancelAsync(HttpClient api)
    {
        var (placed, order) = await SendAsync(api, "/api/orders", OrderForms.Body("vps-s", 1), Guid.NewGuid());
        Assert.Equal(HttpStatusCode.Created, placed);
        var orderId = order.GetProperty("id").GetGuid();
        var (_, change) = await SendAsync(api, $"/api/orders/{orderId}/plan-change/quote", new { planId = "vps-m" });
        var (changed, _) = await SendAsync(api, $"/api/orders/{orderId}/plan-change",
            new { quoteId = change.GetProperty("quoteId").GetGuid() });
        Assert.Equal(HttpStatusCode.OK, changed);
        var (_, cancellation) = await SendAsync(api, $"/api/orders/{orderId}/cancellation/quote", new { });
        var (cancelled, _) = await SendAsync(api, $"/api/orders/{orderId}/cancellation", new
        {
            mode = "immediate",
            quoteId = cancellation.GetProperty("immediate").GetProperty("quoteId").GetGuid(),
            reason = "Webhook test",
        });
        Assert.Equal(HttpStatusCode.OK, cancelled);
        return orderId;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> SendAsync(
        HttpClient api, string path, object body, Guid? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        if (idempotencyKey is { } key)
        {
            request.Headers.Add("Idempotency-Key", key.ToString());
        }

        using var response = await api.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }
}
