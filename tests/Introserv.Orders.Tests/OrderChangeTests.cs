namespace Introserv.Orders.Tests;

// Plan changes and cancellations: quotes, confirmation for exactly the quoted amount, refunds to the balance.
public sealed class OrderChangeTests(OrdersServiceFactory factory) : IClassFixture<OrdersServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<(Guid AccountId, HttpClient Http, Guid OrderId)> ActiveOrderAsync(
        string planId, decimal balance, int periodMonths = 1)
    {
        var accountId = await factory.PayingCustomerAsync(balance);
        var http = factory.Customer(accountId);
        var (status, order) = await OrdersServiceFactory.OrderAsync(http, OrderForms.Body(planId, periodMonths),
            Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("active", order.GetProperty("status").GetString());
        return (accountId, http, order.GetProperty("id").GetGuid());
    }

    private static Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(
        HttpClient http, string path, object? body = null) =>
        OrdersServiceFactory.PostAsync(http, path, body);

    private static string? Code(JsonElement problem) =>
        problem.TryGetProperty("code", out var code) ? code.GetString() : null;

    [Fact]
    public async Task An_upgrade_charges_exactly_the_quoted_amount_once()
    {
        var (accountId, http, orderId) = await ActiveOrderAsync("vps-s", 100m);
        var before = await OrdersServiceFactory.BalanceAsync(http);

        var (quoted, quote) = await PostAsync(http, $"/api/orders/{orderId}/plan-change/quote",
            new { planId = "vps-m" });
        var amount = quote.GetProperty("amount").GetDecimal();
        var (confirmed, order) = await PostAsync(http, $"/api/orders/{orderId}/plan-change",
            new { quoteId = quote.GetProperty("quoteId").GetGuid() });
        var (again, problem) = await PostAsync(http, $"/api/orders/{orderId}/plan-change",
            new { quoteId = quote.GetProperty("quoteId").GetGuid() });
        var after = await OrdersServiceFactory.BalanceAsync(http);
        var details = await http.GetFromJsonAsync<JsonElement>($"/api/orders/{orderId}");

        Assert.Equal(HttpStatusCode.OK, quoted);
        Assert.Equal(("upgrade", "vps-s", "vps-m"),
            (quote.GetProperty("direction").GetString(), quote.GetProperty("fromPlanId").GetString(),
                quote.GetProperty("toPlanId").GetString()));
        // A month just started: all its days but today re-priced, at the difference of the monthly prices (10.00).
        var days = quote.GetProperty("unusedDays").GetInt32();
        Assert.InRange(days, 27, 30);
        Assert.InRange(amount, 9.00m, 10.00m);
        Assert.Equal(HttpStatusCode.OK, confirmed);
        Assert.Equal("vps-m", order.GetProperty("planId").GetString());
        Assert.Equal(("upgrade", amount, "paid"),
            (order.GetProperty("invoice").GetProperty("kind").GetString(),
                order.GetProperty("invoice").GetProperty("amount").GetDecimal(),
            order.GetProperty("invoice").GetProperty("status").GetString()));
        Assert.Equal(before - amount, after);
        Assert.Equal((HttpStatusCode.Conflict, "quote_already_used"), (again, Code(problem)));
        Assert.Equal("vps-m", details.GetProperty("planId").GetString());
        // The order form's values (operating system, hostname) go with the order to its new plan.
        Assert.Equal(("debian-12", "vps1.example.com"),
            (details.GetProperty("fields").GetProperty("os").GetString(),
                details.GetProperty("fields").GetProperty("hostname").GetString()));
        Assert.Contains(details.GetProperty("timeline").EnumerateArray(),
            t => t.GetProperty("note").GetString() == "Plan changed from vps-s to vps-m");
        await factory.AssertLedgerExplainsBalanceAsync(accountId);
    }

    [Fact]
    public async Task Ten_confirmations_of_one_quote_at_once_charge_once()
    {
        var (accountId, http, orderId) = await ActiveOrderAsync("vps-m", 200m);
        var before = await OrdersServiceFactory.BalanceAsync(http);
        var (_, quote) = await PostAsync(http, $"/api/orders/{orderId}/plan-change/quote", new { planId = "vps-l" });

        var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ =>
            PostAsync(http, $"/api/orders/{orderId}/plan-change",
                new { quoteId = quote.GetProperty("quoteId").GetGuid() })));

        Assert.Single(results, r => r.Status == HttpStatusCode.OK);
        Assert.All(results.Where(r => r.Status != HttpStatusCode.OK),
            r => Assert.Equal((HttpStatusCode.Conflict, "quote_already_used"), (r.Status, Code(r.Body))));
        Assert.Equal(before - quote.GetProperty("amount").GetDecimal(), await OrdersServiceFactory.BalanceAsync(http));
        await factory.AssertLedgerExplainsBalanceAsync(accountId);
    }

    [Fact]
    public async Task A_downgrade_credits_the_quoted_amount_as_a_refund()
    {
        var (accountId, http, orderId) = await ActiveOrderAsync("vps-l", 50m);
        var before = await OrdersServiceFactory.BalanceAsync(http);

        var (_, quote) = await PostAsync(http, $"/api/orders/{orderId}/plan-change/quote", new { planId = "vps-s" });
        var credit = -quote.GetProperty("amount").GetDecimal();
        var (confirmed, _) = await PostAsync(http, $"/api/orders/{orderId}/plan-change",
            new { quoteId = quote.GetProperty("quoteId").GetGuid() });
        var ledger = await http.GetFromJsonAsync<JsonElement>("/api/balance");
        var newest = ledger.GetProperty("items")[0];

        Assert.Equal("downgrade", quote.GetProperty("direction").GetString());
        Assert.InRange(credit, 27m, 30m); // about a month of 39.90 − 9.90
        Assert.Equal(HttpStatusCode.OK, confirmed);
        Assert.Equal(before + credit, ledger.GetProperty("balance").GetDecimal());
        Assert.Equal(("refund", "refund", credit),
            (newest.GetProperty("reason").GetString(), newest.GetProperty("referenceType").GetString(),
                newest.GetProperty("amount").GetDecimal()));
        await factory.AssertLedgerExplainsBalanceAsync(accountId);
    }

    [Fact]
    public async Task Quotes_expire_after_fifteen_minutes_and_go_stale_when_the_order_changes()
    {
        var (_, http, orderId) = await ActiveOrderAsync("vps-s", 100m);
        var before = await OrdersServiceFactory.BalanceAsync(http);

        var (_, stale) = await PostAsync(http, $"/api/orders/{orderId}/plan-change/quote", new { planId = "vps-m" });
        using var renewal = new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{orderId}/renew")
        {
            Content = JsonContent.Create(new { periodMonths = 1 })
        };
        renewal.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var renewed = await http.SendAsync(renewal);
        var (outdated, outdatedProblem) = await PostAsync(http, $"/api/orders/{orderId}/plan-change",
            new { quoteId = stale.GetProperty("quoteId").GetGuid() });
        var afterRenewal = await OrdersServiceFactory.BalanceAsync(http);

        var (_, fresh) = await PostAsync(http, $"/api/orders/{orderId}/plan-change/quote", new { planId = "vps-m" });
        factory.Clock.Advance(TimeSpan.FromMinutes(16));
        var (expired, expiredProblem) = await PostAsync(http, $"/api/orders/{orderId}/plan-change",
            new { quoteId = fresh.GetProperty("quoteId").GetGuid() });
        var (unknown, unknownProblem) = await PostAsync(http, $"/api/orders/{orderId}/plan-change",
            new { quoteId = Guid.NewGuid() });

        Assert.Equal(HttpStatusCode.OK, renewed.StatusCode);
        Assert.Equal((HttpStatusCode.Conflict, "quote_outdated"), (outdated, Code(outdatedProblem)));
        Assert.Equal(before - 9.90m, afterRenewal);
        Assert.Equal((HttpStatusCode.Conflict, "quote_expired"), (expired, Code(expiredProblem)));
        Assert.Equal((HttpStatusCode.NotFound, "quote_not_found"), (unknown, Code(unknownProblem)));
        Assert.Equal(afterRenewal, await OrdersServiceFactory.BalanceAsync(http));
    }

    [Fact]
    public async Task An_upgrade_the_balance_does_not_cover_is_refused_and_its_quote_stays_usable()
    {
        var (accountId, http, orderId) = await ActiveOrderAsync("vps-s", 10m);
        var (_, quote) = await PostAsync(http, $"/api/orders/{orderId}/plan-change/quote", new { planId = "vps-l" });
        var quoteId = quote.GetProperty("quoteId").GetGuid();

        var (refused, problem) = await PostAsync(http, $"/api/orders/{orderId}/plan-change", new { quoteId });
        await factory.CreditAsync(accountId, 50m);
        var (confirmed, order) = await PostAsync(http, $"/api/orders/{orderId}/plan-change", new { quoteId });

        Assert.Equal((HttpStatusCode.PaymentRequired, "insufficient_balance"), (refused, Code(problem)));
        Assert.Equal(HttpStatusCode.OK, confirmed);
        Assert.Equal("vps-l", order.GetProperty("planId").GetString());
        Assert.Equal(0.10m + 50m - quote.GetProperty("amount").GetDecimal(),
            await OrdersServiceFactory.BalanceAsync(http));
    }

    [Fact]
    public async Task Plan_changes_stay_within_the_plan_type_and_need_a_plan()
    {
        var (_, http, orderId) = await ActiveOrderAsync("vps-s", 20m);

        var (otherType, otherTypeProblem) = await PostAsync(http, $"/api/orders/{orderId}/plan-change/quote",
            new { planId = "ds-e3" });
        var (same, sameProblem) = await PostAsync(http, $"/api/orders/{orderId}/plan-change/quote",
            new { planId = "vps-s" });
        var (missing, _) = await PostAsync(http, $"/api/orders/{orderId}/plan-change/quote", new { planId = "nope" });
        var (noQuote, _) = await PostAsync(http, $"/api/orders/{orderId}/plan-change", new { });
        var (notMine, notMineProblem) = await PostAsync(http, $"/api/orders/{Guid.NewGuid()}/plan-change/quote",
            new { planId = "vps-m" });

        Assert.Equal((HttpStatusCode.UnprocessableEntity, "plan_change_not_allowed"),
            (otherType, Code(otherTypeProblem)));
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "plan_change_not_allowed"), (same, Code(sameProblem)));
        Assert.Equal(HttpStatusCode.BadRequest, missing);
        Assert.Equal(HttpStatusCode.BadRequest, noQuote);
        Assert.Equal((HttpStatusCode.NotFound, "order_not_found"), (notMine, Code(notMineProblem)));
    }

    [Fact]
    public async Task An_immediate_cancellation_refunds_the_quoted_amount_and_releases_the_address()
    {
        var (accountId, http, orderId) = await ActiveOrderAsync("vps-m", 100m, periodMonths: 3);
        var before = await OrdersServiceFactory.BalanceAsync(http);

        var (quoted, quote) = await PostAsync(http, $"/api/orders/{orderId}/cancellation/quote");
        var immediate = quote.GetProperty("immediate");
        var refund = immediate.GetProperty("refund").GetDecimal();
        var (withoutQuote, _) = await PostAsync(http, $"/api/orders/{orderId}/cancellation",
            new { mode = "immediate" });
        var (cancelled, order) = await PostAsync(http, $"/api/orders/{orderId}/cancellation", new
        {
            mode = "immediate",
            quoteId = immediate.GetProperty("quoteId").GetGuid(),
            reason = "Moving to a bigger server"
        });
        var (again, againProblem) = await PostAsync(http, $"/api/orders/{orderId}/cancellation/quote");
        var ledger = await http.GetFromJsonAsync<JsonElement>("/api/balance");
        var active = await http.GetFromJsonAsync<JsonElement>("/api/orders");
        var held = await factory.QueryAsync(db => db.AddressPool.CountAsync(a => a.OrderId == orderId));

        Assert.Equal(HttpStatusCode.OK, quoted);
        // Three months of 19.90 less 3 %: 57.91, nearly all of it unused.
        Assert.InRange(refund, 55m, 57.91m);
        Assert.NotEqual(JsonValueKind.Null, quote.GetProperty("endOfTerm").ValueKind);
        Assert.Equal(HttpStatusCode.BadRequest, withoutQuote);
        Assert.Equal(HttpStatusCode.OK, cancelled);
        Assert.Equal(("cancelled", 0),
            (order.GetProperty("status").GetString(), order.GetProperty("actions").GetArrayLength()));
        Assert.Equal((HttpStatusCode.Conflict, "order_not_cancellable"), (again, Code(againProblem)));
        Assert.Equal(before + refund, ledger.GetProperty("balance").GetDecimal());
        Assert.Equal(("refund", refund),
            (ledger.GetProperty("items")[0].GetProperty("reason").GetString(),
                ledger.GetProperty("items")[0].GetProperty("amount").GetDecimal()));
        Assert.DoesNotContain(active.GetProperty("items").EnumerateArray(),
            o => o.GetProperty("id").GetGuid() == orderId);
        Assert.Equal(0, held);
        await factory.AssertLedgerExplainsBalanceAsync(accountId);
    }

    [Fact]
    public async Task Plans_whose_terms_refund_nothing_are_cancelled_without_a_refund()
    {
        var (_, http, orderId) = await ActiveOrderAsync("ds-epyc", 400m);
        var before = await OrdersServiceFactory.BalanceAsync(http);

        var (_, quote) = await PostAsync(http, $"/api/orders/{orderId}/cancellation/quote");
        var (cancelled, _) = await PostAsync(http, $"/api/orders/{orderId}/cancellation",
            new { mode = "immediate", quoteId = quote.GetProperty("immediate").GetProperty("quoteId").GetGuid() });

        Assert.False(quote.GetProperty("refundsUnusedDays").GetBoolean());
        Assert.Equal(0m, quote.GetProperty("immediate").GetProperty("refund").GetDecimal());
        Assert.Equal(HttpStatusCode.OK, cancelled);
        Assert.Equal(before, await OrdersServiceFactory.BalanceAsync(http));
    }

    [Fact]
    public async Task An_end_of_term_cancellation_can_be_withdrawn()
    {
        var (_, http, orderId) = await ActiveOrderAsync("vps-s", 20m);

        var (scheduled, order) = await PostAsync(http, $"/api/orders/{orderId}/cancellation",
            new { mode = "end_of_term", reason = "Project over" });
        var (changeRefused, changeProblem) = await PostAsync(http, $"/api/orders/{orderId}/plan-change/quote",
            new { planId = "vps-m" });
        using var withdrawn = await http.DeleteAsync($"/api/orders/{orderId}/cancellation");
        var restored = await withdrawn.Content.ReadFromJsonAsync<JsonElement>();
        using var nothing = await http.DeleteAsync($"/api/orders/{orderId}/cancellation");
        var details = await http.GetFromJsonAsync<JsonElement>($"/api/orders/{orderId}");

        Assert.Equal(HttpStatusCode.OK, scheduled);
        Assert.Equal("pending_cancellation", order.GetProperty("status").GetString());
        Assert.Equal(["cancel", "withdraw_cancellation"],
            order.GetProperty("actions").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal((HttpStatusCode.Conflict, "order_not_changeable"), (changeRefused, Code(changeProblem)));
        Assert.Equal(HttpStatusCode.OK, withdrawn.StatusCode);
        Assert.Equal("active", restored.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, nothing.StatusCode);
        Assert.Equal(["pending_payment", "active", "pending_cancellation", "active"],
            details.GetProperty("timeline").EnumerateArray().Select(t => t.GetProperty("status").GetString()));
    }

    [Fact]
    public async Task An_unpaid_order_cancelled_leaves_a_void_invoice_that_cannot_be_paid()
    {
        var accountId = await factory.PayingCustomerAsync(0m);
        using var http = factory.Customer(accountId);
        var (_, order) = await OrdersServiceFactory.OrderAsync(http, OrderForms.Body("vps-s", 1),
            Guid.NewGuid().ToString());
        var orderId = order.GetProperty("id").GetGuid();

        var (_, quote) = await PostAsync(http, $"/api/orders/{orderId}/cancellation/quote");
        var (cancelled, _) = await PostAsync(http, $"/api/orders/{orderId}/cancellation",
            new { mode = "immediate", quoteId = quote.GetProperty("immediate").GetProperty("quoteId").GetGuid() });
        await factory.CreditAsync(accountId, 20m);
        var (pay, payProblem) = await PostAsync(http,
            $"/api/invoices/{order.GetProperty("invoice").GetProperty("id").GetGuid()}/pay");
        var invoices = await http.GetFromJsonAsync<JsonElement>("/api/invoices?status=void");

        Assert.Equal(JsonValueKind.Null, quote.GetProperty("endOfTerm").ValueKind);
        Assert.Equal(0m, quote.GetProperty("immediate").GetProperty("refund").GetDecimal());
        Assert.Equal(HttpStatusCode.OK, cancelled);
        Assert.Equal((HttpStatusCode.Conflict, "invoice_void"), (pay, Code(payProblem)));
        Assert.Equal(20m, await OrdersServiceFactory.BalanceAsync(http));
        Assert.Single(invoices.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task The_openapi_document_names_each_answer_and_its_problems()
    {
        using var http = factory.CreateClient();
        var document = await http.GetFromJsonAsync<JsonElement>(new Uri("/openapi/v1.json", UriKind.Relative));
        var paths = document.GetProperty("paths");

        JsonElement Responses(string path, string method) =>
            paths.GetProperty(path).GetProperty(method).GetProperty("responses");
        string? SchemaOf(JsonElement response) =>
            response.GetProperty("content")
                .GetProperty("application/json")
                .GetProperty("schema")
                .GetProperty("$ref")
                .GetString();

        Assert.EndsWith("PlanChangeQuoteResponse",
            SchemaOf(Responses("/api/orders/{id}/plan-change/quote", "post").GetProperty("200")),
            StringComparison.Ordinal);
        Assert.EndsWith("CancellationQuoteResponse",
            SchemaOf(Responses("/api/orders/{id}/cancellation/quote", "post").GetProperty("200")),
            StringComparison.Ordinal);
        Assert.EndsWith("OrderResponse", SchemaOf(Responses("/api/orders/{id}/plan-change", "post").GetProperty("200")),
            StringComparison.Ordinal);
        Assert.EndsWith("PageOfOrderResponse", SchemaOf(Responses("/api/orders/history", "get").GetProperty("200")),
            StringComparison.Ordinal);
        Assert.EndsWith("PageOfOrderResponse", SchemaOf(Responses("/api/orders", "get").GetProperty("200")),
            StringComparison.Ordinal);
        Assert.True(Responses("/api/staff/balances/{accountId}/credits", "post").TryGetProperty("409", out _));
        Assert.True(Responses("/api/orders", "get").TryGetProperty("400", out _));
        Assert.EndsWith("PageOfInvoiceResponse", SchemaOf(Responses("/api/invoices", "get").GetProperty("200")),
            StringComparison.Ordinal);
        Assert.True(Responses("/api/orders/{id}/plan-change", "post").TryGetProperty("402", out _));
        Assert.True(Responses("/api/invoices/{id}/pay", "post").TryGetProperty("403", out _));
    }
}
