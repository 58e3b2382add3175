using Introserv.Orders.Domain;

namespace Introserv.Orders.Tests;

// A pool of a few addresses (everything seeded is retired first): races, retirement and reinstatement.
public sealed class AddressPoolExhaustionTests(OrdersServiceFactory factory)
    : IClassFixture<OrdersServiceFactory>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await factory.ResetDatabaseAsync();
        await factory.QueryAsync(db =>
            db.AddressPool.ExecuteUpdateAsync(a => a.SetProperty(x => x.RetiredAt, DateTimeOffset.UtcNow)));
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Twenty_parallel_orders_for_five_free_addresses_activate_five_and_charge_no_one_else()
    {
        using var staff = factory.Staff();
        await staff.PostAsJsonAsync("/api/staff/addresses", new { range = "192.0.2.1-192.0.2.5" });
        var customers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => factory.PayingCustomerAsync(20m)));

        var results = await Task.WhenAll(customers.Select(async accountId =>
        {
            using var http = factory.Customer(accountId);
            var key = Guid.NewGuid().ToString();
            var (status, body) = await OrdersServiceFactory.OrderAsync(
                http, OrderForms.Body("vps-s", 1), key);
            // A loaded machine can time out the payment-eligibility check ("service_unavailable", nothing ordered):
            // the client retries with its key, as a real one does.
            for (var retry = 0;
                retry < 5 && body.TryGetProperty("code", out var code) && code.GetString() == "service_unavailable";
                retry++)
            {
                (status, body) = await OrdersServiceFactory.OrderAsync(
                    http, OrderForms.Body("vps-s", 1), key);
            }

            return (accountId, status, body, balance: await OrdersServiceFactory.BalanceAsync(http));
        }));

        var placed = results.Where(r => r.status == HttpStatusCode.Created).ToList();
        var refused = results.Where(r => r.status != HttpStatusCode.Created).ToList();
        Assert.Equal(5, placed.Count);
        Assert.Equal(5, placed.Select(r => r.body.GetProperty("ipAddress").GetString()).Distinct().Count());
        Assert.All(refused, r =>
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, r.status);
            Assert.Equal("address_pool_exhausted", r.body.GetProperty("code").GetString());
            Assert.Equal(20m, r.balance);
        });
        foreach (var accountId in customers)
        {
            await factory.AssertLedgerExplainsBalanceAsync(accountId);
        }
    }

    [Fact]
    public async Task A_retired_address_is_not_handed_out_until_it_is_reinstated()
    {
        using var staff = factory.Staff();
        await staff.PostAsJsonAsync("/api/staff/addresses", new { range = "192.0.2.77" });
        var taken = await factory.QueryAsync(db =>
            db.AddressPool.Where(a => a.OrderId != null && a.RetiredAt == null).Select(a => a.Address).ToListAsync());
        foreach (var address in await factory.QueryAsync(db =>
            db.AddressPool.Where(a => a.OrderId == null && a.RetiredAt == null).Select(a => a.Address).ToListAsync()))
        {
            (await staff.PostAsync($"/api/staff/addresses/{address}/retire", null)).Dispose();
        }

        var accountId = await factory.PayingCustomerAsync(40m);
        using var http = factory.Customer(accountId);
        var (refusedStatus, refused) = await OrdersServiceFactory.OrderAsync(http,
            OrderForms.Body("vps-s", 1), Guid.NewGuid().ToString());
        using var reinstated = await staff.PostAsync("/api/staff/addresses/192.0.2.77/reinstate", null);
        var (placedStatus, placed) = await OrdersServiceFactory.OrderAsync(http,
            OrderForms.Body("vps-s", 1), Guid.NewGuid().ToString());
        using var retireHeld = await staff.PostAsync("/api/staff/addresses/192.0.2.77/retire", null);
        var held = await retireHeld.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Empty(taken.Intersect(["192.0.2.77"]));
        Assert.Equal((HttpStatusCode.ServiceUnavailable, "address_pool_exhausted"),
            (refusedStatus, refused.GetProperty("code").GetString()));
        Assert.Equal("free",
            (await reinstated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("state").GetString());
        Assert.Equal((HttpStatusCode.Created, "192.0.2.77"),
            (placedStatus, placed.GetProperty("ipAddress").GetString()));
        // Retiring a held address leaves it with its order (state assigned, retiredAt set): it does not come back.
        Assert.Equal(("assigned", JsonValueKind.String),
            (held.GetProperty("state").GetString(), held.GetProperty("retiredAt").ValueKind));
        Assert.Equal(placed.GetProperty("id").GetGuid(), held.GetProperty("orderId").GetGuid());
    }

    [Fact]
    public async Task Twenty_parallel_payments_of_an_invoice_with_no_free_address_charge_nothing_until_one_is_added()
    {
        // Nothing free: the order waits unpaid (the empty balance cannot pay it at once).
        var accountId = await factory.PayingCustomerAsync(0m);
        using var http = factory.Customer(accountId);
        var (orderedStatus, ordered) = await OrdersServiceFactory.OrderAsync(
            http, OrderForms.Body("vps-s", 1), Guid.NewGuid().ToString());
        var invoiceId = ordered.GetProperty("invoice").GetProperty("id").GetGuid();
        await factory.CreditAsync(accountId, 50m);

        var attempts = await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/invoices/{invoiceId}/pay");
            if (i % 2 == 0)
            {
                request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
            }

            using var response = await http.SendAsync(request);
            return (response.StatusCode, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code")
                .GetString());
        }));
        var balanceWhileFull = await OrdersServiceFactory.BalanceAsync(http);
        var invoiceWhileFull = await factory.QueryAsync(db => db.Invoices.SingleAsync(x => x.Id == invoiceId));

        using var staff = factory.Staff();
        (await staff.PostAsJsonAsync("/api/staff/addresses", new { range = "192.0.2.90" })).Dispose();
        var (paidStatus, paid) = await OrdersServiceFactory.PostAsync(http, $"/api/invoices/{invoiceId}/pay");

        Assert.Equal(HttpStatusCode.Created, orderedStatus);
        Assert.Equal("pending_payment", ordered.GetProperty("status").GetString());
        Assert.All(attempts, a => Assert.Equal((HttpStatusCode.ServiceUnavailable, "address_pool_exhausted"), a));
        Assert.Equal((50m, InvoiceStatuses.Unpaid), (balanceWhileFull, invoiceWhileFull.Status));
        Assert.Equal((HttpStatusCode.OK, "active", "192.0.2.90"),
            (paidStatus, paid.GetProperty("status").GetString(), paid.GetProperty("ipAddress").GetString()));
        Assert.Equal(50m - 9.90m, await OrdersServiceFactory.BalanceAsync(http));
        await factory.AssertLedgerExplainsBalanceAsync(accountId);
    }
}
