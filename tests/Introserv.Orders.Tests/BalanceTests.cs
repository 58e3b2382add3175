using Introserv.BuildingBlocks.Data;
using Introserv.BuildingBlocks.Messaging;
using Introserv.Orders.Data;
using Introserv.Orders.Domain;
using Introserv.Orders.Features.Balance;

namespace Introserv.Orders.Tests;

public sealed class BalanceTests(OrdersServiceFactory factory) : IClassFixture<OrdersServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private HttpClient Staff() => factory.Api(TestTokens.For(Guid.NewGuid(), AuthenticationExtensions.StaffRole));

    private HttpClient Customer(Guid accountId) =>
        factory.Api(TestTokens.For(accountId, AuthenticationExtensions.CustomerRole));

    private async Task<PostingResult> PostAsync(Guid accountId, Posting posting)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrdersDbContext>();
        var ledger = scope.ServiceProvider.GetRequiredService<Ledger>();
        return await db.InTransactionAsync(ct => ledger.PostAsync(accountId, posting, ct), CancellationToken.None);
    }

    private async Task<T> QueryAsync<T>(Func<OrdersDbContext, Task<T>> query)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<OrdersDbContext>());
    }

    [Fact]
    public async Task The_plans_are_seeded_with_their_periods_and_prices()
    {
        using var http = Customer(Guid.NewGuid());

        var plans = await http.GetFromJsonAsync<JsonElement>("/api/plans");

        var all = plans.EnumerateArray().ToList();
        Assert.Contains(all, p => p.GetProperty("type").GetString() == "vps");
        Assert.Contains(all, p => p.GetProperty("type").GetString() == "dedicated");
        var vps = all.Single(p => p.GetProperty("id").GetString() == "vps-m");
        Assert.Equal([1, 3, 6, 12],
            vps.GetProperty("periods").EnumerateArray().Select(p => p.GetProperty("months").GetInt32()));
        // 19.90 × 12 × 0.90 = 214.92
        Assert.Equal(214.92m, vps.GetProperty("periods")[3].GetProperty("price").GetDecimal());
        Assert.Equal("EUR", vps.GetProperty("currency").GetString());
    }

    [Fact]
    public async Task Staff_credit_a_balance_once_per_payment_and_the_customer_sees_the_ledger()
    {
        var accountId = Guid.NewGuid();
        using var staff = Staff();
        using var customer = Customer(accountId);
        var reference = $"psp-{Guid.NewGuid():N}";

        using var first = await staff.PostAsJsonAsync($"/api/staff/balances/{accountId}/credits",
            new { amount = 50.00m, currency = "EUR", paymentReference = reference });
        using var again = await staff.PostAsJsonAsync($"/api/staff/balances/{accountId}/credits",
            new { amount = 50.00m, currency = "EUR", paymentReference = reference });
        using var second = await staff.PostAsJsonAsync($"/api/staff/balances/{accountId}/credits",
            new { amount = 12.34m, currency = "EUR", paymentReference = reference + "b" });
        using var wrongCurrency = await staff.PostAsJsonAsync($"/api/staff/balances/{accountId}/credits",
            new { amount = 1m, currency = "USD", paymentReference = "x1" });
        using var invalid = await staff.PostAsJsonAsync($"/api/staff/balances/{accountId}/credits",
            new { amount = -5.001m, currency = "eur" });
        using var asCustomer = await customer.PostAsJsonAsync($"/api/staff/balances/{accountId}/credits",
            new { amount = 1m, currency = "EUR", paymentReference = "x2" });
        var balance = await customer.GetFromJsonAsync<JsonElement>("/api/balance");

        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.Created),
            (first.StatusCode, again.StatusCode, second.StatusCode));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, wrongCurrency.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(["amount", "currency", "paymentReference"],
            (await invalid.Content.ReadFromJsonAsync<JsonElement>())
                .GetProperty("errors")
                .EnumerateObject()
                .Select(e => e.Name)
                .Order());
        Assert.Equal(HttpStatusCode.Forbidden, asCustomer.StatusCode);
        Assert.Equal(62.34m, balance.GetProperty("balance").GetDecimal());
        Assert.Equal([2L, 1L],
            balance.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("sequence").GetInt64()));
        var events = await QueryAsync(db => db.Set<OutboxMessage>()
            .AsNoTracking()
            .Where(m => m.MessageType.StartsWith("Introserv.Orders.Contracts.BalanceChanged,"))
            .ToListAsync());
        Assert.Equal(2, events.Count(e => e.Payload.Contains(accountId.ToString(), StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Fifty_concurrent_charges_never_take_a_balance_below_zero_and_the_ledger_sums_to_it()
    {
        var accountId = Guid.NewGuid();
        Assert.Equal(PostingOutcome.Posted, (await PostAsync(accountId,
            new Posting(100m, "EUR", LedgerRules.TopUp, "payment", Guid.NewGuid().ToString()))).Outcome);

        var results = await Task.WhenAll(
            Enumerable.Range(0, 50)
                .Select(i => Task.Run(() => PostAsync(accountId, new Posting(-7m, "EUR", "order_charge", "test",
                    i.ToString(System.Globalization.CultureInfo.InvariantCulture))))));

        Assert.Equal(14, results.Count(r => r.Outcome == PostingOutcome.Posted));
        Assert.Equal(36, results.Count(r => r.Outcome == PostingOutcome.InsufficientBalance));
        var (balance, sum, sequences) = await QueryAsync(async db => (
            (await db.Balances.AsNoTracking().SingleAsync(a => a.AccountId == accountId)).Balance,
            await db.Ledger.Where(e => e.AccountId == accountId).SumAsync(e => e.Amount),
            await db.Ledger
                .Where(e => e.AccountId == accountId)
                .OrderBy(e => e.Sequence)
                .Select(e => e.Sequence)
                .ToListAsync()));
        Assert.Equal(2m, balance);
        Assert.Equal(balance, sum);
        Assert.Equal(Enumerable.Range(1, 15).Select(i => (long)i), sequences);
    }
}
