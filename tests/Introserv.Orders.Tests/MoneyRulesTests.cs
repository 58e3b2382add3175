using Introserv.BuildingBlocks.Data;
using Introserv.Orders.Data;
using Introserv.Orders.Features.Demo;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Introserv.Orders.Tests;

// The plans' terms on refunds, renewals after paidUntil, payment references across accounts, and list cursors.
public sealed class MoneyRulesTests(OrdersServiceFactory factory) : IClassFixture<OrdersServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static string? Code(JsonElement problem) =>
        problem.TryGetProperty("code", out var code) ? code.GetString() : null;

    private async Task<(Guid AccountId, HttpClient Http, JsonElement Order)> OrderAsync(
        string planId, int months, decimal balance)
    {
        var accountId = await factory.PayingCustomerAsync(balance);
        var http = factory.Customer(accountId);
        var (status, order) = await OrdersServiceFactory.OrderAsync(http, OrderForms.Body(planId, months),
            Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Created, status);
        return (accountId, http, order);
    }

    [Fact]
    public async Task A_plan_that_refunds_nothing_credits_nothing_on_a_downgrade_nor_on_the_cancellation_after_it()
    {
        // Twelve months of ds-epyc (229 × 12 × 0.90 = 2473.20, setup 99): its terms refund no unused days.
        var (accountId, http, order) = await OrderAsync("ds-epyc", 12, 2600m);
        var id = order.GetProperty("id").GetGuid();
        var afterOrder = await OrdersServiceFactory.BalanceAsync(http);

        var (_, quote) = await OrdersServiceFactory.PostAsync(http, $"/api/orders/{id}/plan-change/quote",
            new { planId = "ds-e3" });
        var (changed, _) = await OrdersServiceFactory.PostAsync(http, $"/api/orders/{id}/plan-change",
            new { quoteId = quote.GetProperty("quoteId").GetGuid() });
        var (_, cancelQuote) = await OrdersServiceFactory.PostAsync(http, $"/api/orders/{id}/cancellation/quote");
        var (cancelled, _) = await OrdersServiceFactory.PostAsync(http, $"/api/orders/{id}/cancellation",
            new
            {
                mode = "immediate",
                quoteId = cancelQuote.GetProperty("immediate").GetProperty("quoteId").GetGuid()
            });

        Assert.Equal(2600m - 2473.20m - 99m, afterOrder);
        Assert.Equal(("downgrade", 0m, false),
            (quote.GetProperty("direction").GetString(), quote.GetProperty("amount").GetDecimal(),
                quote.GetProperty("refundsUnusedDays").GetBoolean()));
        Assert.True(quote.GetProperty("repriced").GetDecimal() < -1000m);
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (changed, cancelled));
        Assert.Equal(0m, cancelQuote.GetProperty("immediate").GetProperty("refund").GetDecimal());
        Assert.Equal(afterOrder, await OrdersServiceFactory.BalanceAsync(http));
        await factory.AssertLedgerExplainsBalanceAsync(accountId);
    }

    [Fact]
    public async Task A_renewal_after_paid_until_pays_for_the_days_since_as_the_automatic_renewal_does()
    {
        var (_, http, order) = await OrderAsync("vps-s", 1, 20m);
        var id = order.GetProperty("id").GetGuid();
        var paidUntil = order.GetProperty("paidUntil").GetDateTimeOffset();
        factory.Clock.Advance(paidUntil - factory.Clock.GetUtcNow() + TimeSpan.FromDays(2));
        Assert.True(await Eventually.TrueAsync(async () =>
            (await http.GetFromJsonAsync<JsonElement>($"/api/orders/{id}"))
                .GetProperty("status")
                .GetString() == "overdue",
            TimeSpan.FromSeconds(20)));

        using var renewal = new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{id}/renew")
        {
            Content = JsonContent.Create(new { periodMonths = 1 })
        };
        renewal.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var renewed = await http.SendAsync(renewal);
        var body = await renewed.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.OK, renewed.StatusCode);
        Assert.Equal(("active", paidUntil.AddMonths(1)),
            (body.GetProperty("status").GetString(), body.GetProperty("paidUntil").GetDateTimeOffset()));
    }

    [Fact]
    public async Task A_payment_reference_is_credited_once_across_all_accounts_even_twenty_at_once()
    {
        var reference = $"bank-{Guid.NewGuid():N}";
        var accounts = Enumerable.Range(0, 20).Select(_ => Guid.NewGuid()).ToList();
        using var staff = factory.Staff();

        var results = await Task.WhenAll(accounts.Select(async account =>
        {
            using var response = await staff.PostAsJsonAsync($"/api/staff/balances/{account}/credits",
                new { amount = 10m, currency = "EUR", paymentReference = reference });
            return (Account: account, response.StatusCode,
                Body: await response.Content.ReadFromJsonAsync<JsonElement>());
        }));
        var credited = Assert.Single(results, r => r.StatusCode == HttpStatusCode.Created);
        using var again = await staff.PostAsJsonAsync($"/api/staff/balances/{credited.Account}/credits",
            new { amount = 10m, currency = "EUR", paymentReference = reference });
        var entries = await factory.QueryAsync(db =>
            db.Ledger.CountAsync(e => e.ReferenceType == "payment" && e.ReferenceId == reference));

        Assert.All(results.Where(r => r.Account != credited.Account),
            r => Assert.Equal((HttpStatusCode.Conflict, "payment_reference_used"), (r.StatusCode, Code(r.Body))));
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(1, entries);
    }

    [Fact]
    public async Task Lists_page_with_opaque_cursors_and_never_skip_rows_that_share_a_time()
    {
        var accountId = await factory.PayingCustomerAsync(0m);
        using var http = factory.Customer(accountId);
        for (var i = 0; i < 5; i++)
        {
            await OrdersServiceFactory.OrderAsync(http, OrderForms.Body("vps-s", 1),
                Guid.NewGuid().ToString());
        }

        for (var i = 0; i < 3; i++)
        {
            await factory.CreditAsync(accountId, 1m);
        }

        // Five orders and invoices made in one instant: the cursor breaks the tie by id.
        var instant = factory.Clock.GetUtcNow().AddMinutes(-5);
        await factory.QueryAsync(async db =>
            await db.Orders.Where(o => o.AccountId == accountId)
                .ExecuteUpdateAsync(o => o.SetProperty(x => x.CreatedAt, instant))
            + await db.Invoices.Where(i => i.AccountId == accountId)
                .ExecuteUpdateAsync(i => i.SetProperty(x => x.IssuedAt, instant)));

        foreach (var (path, count) in new[]
        {
            ("/api/orders", 5),
            ("/api/orders/history", 5),
            ("/api/invoices", 5),
            ("/api/balance", 3)
        })
        {
            var seen = await AllPagesAsync(http, path);
            Assert.Equal(count, seen.Distinct().Count());
            Assert.Equal(count, seen.Count);
            foreach (var bad in new[] { "2026-01-01T00:00:00+00:00", "nope", "AAAA", "%2B%2F%3D" })
            {
                using var refused = await http.GetAsync($"{path}?cursor={bad}");
                Assert.Equal((HttpStatusCode.BadRequest, "invalid_cursor"),
                    (refused.StatusCode, Code(await refused.Content.ReadFromJsonAsync<JsonElement>())));
            }
        }
    }

    [Fact]
    public async Task The_demo_seed_places_its_orders_paid_from_its_balance()
    {
        var demo = new DemoCustomerOptions
        {
            AccountId = Guid.NewGuid(),
            Balance = 150m,
            Orders =
            [
                new() { PlanId = "vps-s", Fields = OrderForms.For("vps-s") },
                new() { PlanId = "vps-m", PeriodMonths = 3, Fields = OrderForms.For("vps-m") },
            ],
        };
        using var seeder = new DemoSeeder(factory.Services.GetRequiredService<IServiceScopeFactory>(),
            factory.Services.GetRequiredService<MigrationState<OrdersDbContext>>(),
            Options.Create(demo), new HostingEnvironment { EnvironmentName = Environments.Development },
            NullLogger<DemoSeeder>.Instance);

        await seeder.StartAsync(CancellationToken.None);
        await seeder.ExecuteTask!;
        using var http = factory.Customer(demo.AccountId);
        var orders = (await http.GetFromJsonAsync<JsonElement>("/api/orders")).GetProperty("items");

        Assert.Equal(["active", "active"], orders.EnumerateArray().Select(o => o.GetProperty("status").GetString()));
        Assert.All(orders.EnumerateArray(), o => Assert.Equal("vps1.example.com",
            o.GetProperty("fields").GetProperty("hostname").GetString()));
        // Gross: an account without a profile pays the seller's country's VAT (BG, 20 %).
        Assert.Equal(150m - 11.88m - 69.49m, await OrdersServiceFactory.BalanceAsync(http));
    }

    // Every entry of a list, one per page, following nextCursor as an opaque string.
    private static async Task<List<string>> AllPagesAsync(HttpClient http, string path)
    {
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await http.GetFromJsonAsync<JsonElement>(
                cursor is null ? $"{path}?limit=2" : $"{path}?limit=2&cursor={cursor}");
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(e =>
                e.TryGetProperty("id", out var id) ? id.ToString() : e.GetProperty("sequence").ToString()));
            cursor = page.GetProperty("nextCursor").GetString();
            Assert.True(cursor is null || cursor.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'), cursor);
        }
        while (cursor is not null && seen.Count < 50);
        return seen;
    }
}
