using Introserv.BuildingBlocks.Messaging;
using Introserv.Orders.Domain;

namespace Introserv.Orders.Tests;

// What a person quotes: an order's short number, an invoice's number in a gap-free series per year, the plan's name
// in the events the mails are written from, and the unpaid invoice an order waits for.
public sealed class NumberingTests(OrdersServiceFactory factory) : IClassFixture<OrdersServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Twenty_orders_at_once_get_distinct_numbers_and_their_invoices_a_series_without_gaps()
    {
        var customers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => factory.PayingCustomerAsync(100m)));
        var year = factory.Clock.GetUtcNow().UtcDateTime.Year;

        var answers = await Task.WhenAll(customers.Select(async accountId =>
        {
            using var http = factory.Customer(accountId);
            return await OrdersServiceFactory.OrderAsync(http, OrderForms.Body("vps-s", 1), Guid.NewGuid().ToString());
        }));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Created, a.Status));
        var orderNumbers = answers.Select(a => a.Body.GetProperty("number").GetInt64()).ToList();
        Assert.Equal(20, orderNumbers.Distinct().Count());
        Assert.All(orderNumbers, n => Assert.InRange(n, 100001, 999999));
        var invoiceNumbers = answers.Select(a => a.Body.GetProperty("invoice").GetProperty("number").GetString())
            .Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Enumerable.Range(1, 20).Select(n => $"{year}-{n:D6}"), invoiceNumbers);

        // The events the mails are written from name the order and its plan as a person reads them.
        var payloads = await factory.QueryAsync(db => db.Set<OutboxMessage>()
            .Where(m => m.MessageType.StartsWith("Introserv.Orders.Contracts.OrderPlaced,"))
            .Select(m => m.Payload).ToListAsync());
        var placed = payloads.Select(p => JsonSerializer.Deserialize<JsonElement>(p)).ToList();
        Assert.Equal(orderNumbers.Order(),
            placed.Select(p => p.GetProperty("orderNumber").GetInt64()).Order());
        Assert.All(placed, p => Assert.Equal("VPS S", p.GetProperty("planName").GetString()));

        // The invoice mails name the invoice's number, which the database gave at insert.
        foreach (var type in new[] { "InvoiceIssued", "InvoicePaid" })
        {
            var events = await factory.QueryAsync(db => db.Set<OutboxMessage>()
                .Where(m => m.MessageType.StartsWith($"Introserv.Orders.Contracts.{type},"))
                .Select(m => m.Payload).ToListAsync());
            Assert.Equal(invoiceNumbers, events
                .Select(p => JsonSerializer.Deserialize<JsonElement>(p).GetProperty("invoiceNumber").GetString())
                .Order(StringComparer.Ordinal));
        }
    }

    [Fact]
    public async Task One_invoice_is_read_by_its_owner_only()
    {
        var accountId = await factory.PayingCustomerAsync(100m);
        using var http = factory.Customer(accountId);
        using var stranger = factory.Customer(await factory.PayingCustomerAsync(0m));
        var (_, order) = await OrdersServiceFactory.OrderAsync(http, OrderForms.Body("vps-s", 1), "k1");
        var invoice = order.GetProperty("invoice");
        var id = invoice.GetProperty("id").GetGuid();

        var read = await http.GetFromJsonAsync<JsonElement>($"/api/invoices/{id}");
        using var theirs = await stranger.GetAsync($"/api/invoices/{id}");
        using var unknown = await http.GetAsync($"/api/invoices/{Guid.NewGuid()}");
        using var malformed = await http.GetAsync("/api/invoices/not-an-id");

        Assert.Equal(invoice.GetProperty("number").GetString(), read.GetProperty("number").GetString());
        Assert.Equal((order.GetProperty("id").GetGuid(), 9.90m, "paid"),
            (read.GetProperty("orderId").GetGuid(), read.GetProperty("amount").GetDecimal(),
                read.GetProperty("status").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
        Assert.Equal("invoice_not_found",
            (await theirs.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.True((int)malformed.StatusCode is 400 or 404, $"{malformed.StatusCode}");
    }

    [Fact]
    public async Task A_rolled_back_invoice_gives_its_number_back_and_a_new_year_starts_again_at_one()
    {
        var accountId = await factory.PayingCustomerAsync(100m);
        using var http = factory.Customer(accountId);
        var (_, first) = await OrdersServiceFactory.OrderAsync(http, OrderForms.Body("vps-s", 1), "first");
        var year = factory.Clock.GetUtcNow().UtcDateTime.Year;

        // An invoice written and rolled back (a transaction that failed after writing it) took the next number...
        var rolledBack = await factory.QueryAsync(db => db.Database.CreateExecutionStrategy().ExecuteAsync(async () =>
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var invoice = new Invoice
            {
                Id = Guid.NewGuid(), AccountId = accountId, OrderId = first.GetProperty("id").GetGuid(),
                Kind = InvoiceKinds.Renewal, Description = "rolled back", Amount = 1m, NetAmount = 1m, Currency = "EUR",
                Status = InvoiceStatuses.Unpaid, IssuedAt = factory.Clock.GetUtcNow(),
            };
            db.Invoices.Add(invoice);
            await db.SaveChangesAsync();
            await transaction.RollbackAsync();
            return invoice.Number;
        }));
        // ...and gives it back: the next invoice has it.
        var (_, second) = await OrdersServiceFactory.OrderAsync(http, OrderForms.Body("vps-s", 1), "second");
        factory.Clock.Advance(TimeSpan.FromDays(366));
        var nextYear = factory.Clock.GetUtcNow().UtcDateTime.Year;
        var (_, third) = await OrdersServiceFactory.OrderAsync(http, OrderForms.Body("vps-s", 1), "third");

        Assert.Equal($"{year}-000001", first.GetProperty("invoice").GetProperty("number").GetString());
        Assert.Equal($"{year}-000002", rolledBack);
        Assert.Equal($"{year}-000002", second.GetProperty("invoice").GetProperty("number").GetString());
        Assert.Equal($"{nextYear}-000001", third.GetProperty("invoice").GetProperty("number").GetString());
        Assert.True(third.GetProperty("number").GetInt64() > second.GetProperty("number").GetInt64());
    }

    [Fact]
    public async Task Past_the_999999th_invoice_of_a_year_numbers_grow_a_digit_whichever_way_they_are_given()
    {
        var accountId = await factory.PayingCustomerAsync(100m);
        using var http = factory.Customer(accountId);
        var year = factory.Clock.GetUtcNow().UtcDateTime.Year;
        await factory.QueryAsync(db => db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO invoice_number_counters ("Year", "Last") VALUES ({year}, 999998)
            ON CONFLICT ("Year") DO UPDATE SET "Last" = 999998
            """));

        // A new order's invoice is numbered by the order (OrderStore.TakeNumbersAsync), a renewal's by the trigger.
        var (_, first) = await OrdersServiceFactory.OrderAsync(http, OrderForms.Body("vps-s", 1), "first");
        var (_, second) = await OrdersServiceFactory.OrderAsync(http, OrderForms.Body("vps-s", 1), "second");
        using var renewal = new HttpRequestMessage(
            HttpMethod.Post, $"/api/orders/{second.GetProperty("id").GetGuid()}/renew")
        {
            Content = JsonContent.Create(new { periodMonths = 1 })
        };
        renewal.Headers.Add("Idempotency-Key", "renewal");
        using var renewed = await http.SendAsync(renewal);
        var third = await renewed.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, renewed.StatusCode);
        Assert.Equal(
            [$"{year}-999999", $"{year}-1000000", $"{year}-1000001"],
            new[] { first, second, third }.Select(a => a.GetProperty("invoice").GetProperty("number").GetString()));
    }

    [Fact]
    public async Task An_order_waiting_for_payment_names_its_unpaid_invoice_until_it_is_paid()
    {
        var accountId = await factory.PayingCustomerAsync(5m);
        using var http = factory.Customer(accountId);
        var (_, placed) = await OrdersServiceFactory.OrderAsync(http, OrderForms.Body("vps-s", 1), "waiting");
        var id = placed.GetProperty("id").GetGuid();
        var invoiceId = placed.GetProperty("invoice").GetProperty("id").GetGuid();

        var listed = await http.GetFromJsonAsync<JsonElement>("/api/orders");
        var details = await http.GetFromJsonAsync<JsonElement>($"/api/orders/{id}");
        using var staff = factory.Api(TestTokens.For(Guid.NewGuid(), AuthenticationExtensions.StaffRole));
        (await staff.PostAsJsonAsync($"/api/staff/balances/{accountId}/credits",
            new { amount = 10m, currency = "EUR", paymentReference = Guid.NewGuid().ToString() })).Dispose();
        using var paid = await http.PostAsync(
            new Uri($"/api/invoices/{invoiceId}/pay", UriKind.Relative), null);
        var afterwards = await http.GetFromJsonAsync<JsonElement>($"/api/orders/{id}");

        Assert.Equal("pending_payment", placed.GetProperty("status").GetString());
        Assert.Contains("pay", placed.GetProperty("actions").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal(invoiceId, placed.GetProperty("unpaidInvoiceId").GetGuid());
        Assert.Equal(invoiceId,
            Assert.Single(listed.GetProperty("items").EnumerateArray()).GetProperty("unpaidInvoiceId").GetGuid());
        Assert.Equal(invoiceId, details.GetProperty("unpaidInvoiceId").GetGuid());
        Assert.Equal(HttpStatusCode.OK, paid.StatusCode);
        Assert.Equal("active", afterwards.GetProperty("status").GetString());
        Assert.True(!afterwards.TryGetProperty("unpaidInvoiceId", out var none) || none.ValueKind == JsonValueKind.Null,
            afterwards.GetRawText());
    }
}
