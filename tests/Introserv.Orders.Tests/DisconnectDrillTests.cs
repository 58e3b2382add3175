using System.Collections.Concurrent;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Introserv.Orders.Domain;
using Xunit.Abstractions;

namespace Introserv.Orders.Tests;

// A flaky mobile connection: each request with an Idempotency-Key is sent over a real socket and dropped at a random
// moment (while sending, right after sending, while the answer arrives), one to three times, then retried with the
// same key until it completes. Exactly one order and one charge per key; every completed answer is the first one.
// The run is seeded (DRILL_SEED repeats one); the seed is in every failure message.
public sealed class DisconnectDrillTests(KestrelOrdersFixture fixture, ITestOutputHelper output)
    : IClassFixture<KestrelOrdersFixture>
{
    private const int Workers = 8;
    private const string TopUpJson = """{"amount":42.50,"currency":"EUR","method":"card"}""";
    private static readonly DropMoment[] Moments = Enum.GetValues<DropMoment>();

    private static int NewSeed() =>
        Environment.GetEnvironmentVariable("DRILL_SEED") is { Length: > 0 } seed
            ? int.Parse(seed, CultureInfo.InvariantCulture)
            : Random.Shared.Next();

    [Fact]
    public async Task Dropped_orders_retried_with_their_key_order_and_charge_once_and_answer_the_first_answer()
    {
        var seed = NewSeed();
        output.WriteLine($"DRILL_SEED={seed}");
        const int keys = 160;
        var accountId = await fixture.Service.PayingCustomerAsync(keys * 10m);

        var answers = await DrillAsync(seed, keys, accountId, _ => "/api/orders",
            """{"planId":"vps-s","periodMonths":1,"fields":{"os":"debian-12","hostname":"vps1.example.com"}}""",
            HttpStatusCode.Created,
            body => body.GetProperty("id").GetGuid());

        var (orders, charges, balance, ledgerSum, unanswered) = await fixture.Service.QueryAsync(async db => (
            await db.Orders.Where(o => o.AccountId == accountId).Select(o => o.Id).ToListAsync(),
            await db.Ledger.CountAsync(e => e.AccountId == accountId && e.Reason == "order_charge"),
            await db.Balances.Where(b => b.AccountId == accountId).Select(b => b.Balance).SingleAsync(),
            await db.Ledger.Where(e => e.AccountId == accountId).SumAsync(e => e.Amount),
            await db.IdempotencyRecords.CountAsync(r => r.AccountId == accountId && r.ResponseStatus == null)));
        AssertOnePerKey(seed, keys, answers);
        Assert.True(orders.Order().SequenceEqual(answers.Values.Select(a => a[0]).Order()),
            $"seed {seed}: {orders.Count} orders for {keys} keys, or an answer names another order");
        Assert.True(charges == keys, $"seed {seed}: {charges} charges for {keys} keys");
        Assert.True((keys * 10m) - (keys * 9.90m) == balance && balance == ledgerSum,
            $"seed {seed}: balance {balance}, ledger {ledgerSum}");
        Assert.True(unanswered == 0, $"seed {seed}: {unanswered} keys left without an answer");
    }

    [Fact]
    public async Task Dropped_renewals_retried_with_their_key_renew_and_charge_once_and_answer_the_first_answer()
    {
        var seed = NewSeed();
        output.WriteLine($"DRILL_SEED={seed}");
        const int keys = 140;
        var accountId = await fixture.Service.PayingCustomerAsync(9.90m + (keys * 9.90m));
        using var http = fixture.Service.Customer(accountId);
        var (_, order) = await OrdersServiceFactory.OrderAsync(http, OrderForms.Body("vps-s", 1),
            Guid.NewGuid().ToString());
        var orderId = order.GetProperty("id").GetGuid();
        var paidUntil = order.GetProperty("paidUntil").GetDateTimeOffset();

        var answers = await DrillAsync(seed, keys, accountId, _ => $"/api/orders/{orderId}/renew",
            """{"periodMonths":1}""", HttpStatusCode.OK,
            body => body.GetProperty("invoice").GetProperty("id").GetGuid());

        var (renewals, charges, renewed, balance) = await fixture.Service.QueryAsync(async db => (
            await db.Invoices
                .Where(i => i.OrderId == orderId && i.Kind == "renewal" && i.Status == InvoiceStatuses.Paid)
                .Select(i => i.Id)
                .ToListAsync(),
            await db.Ledger.CountAsync(e => e.AccountId == accountId && e.Reason == "renewal_charge"),
            await db.Orders.AsNoTracking().SingleAsync(o => o.Id == orderId),
            await db.Balances.Where(b => b.AccountId == accountId).Select(b => b.Balance).SingleAsync()));
        AssertOnePerKey(seed, keys, answers);
        Assert.True(renewals.Order().SequenceEqual(answers.Values.Select(a => a[0]).Order()),
            $"seed {seed}: {renewals.Count} renewals for {keys} keys, or an answer names another");
        Assert.True(charges == keys, $"seed {seed}: {charges} renewal charges for {keys} keys");
        Assert.True(renewed.PaidUntil == paidUntil.AddMonths(keys),
            $"seed {seed}: paidUntil {renewed.PaidUntil:O}, expected {paidUntil.AddMonths(keys):O}");
        Assert.True(balance == 0m, $"seed {seed}: balance {balance}");
    }

    // A client that goes away while Orders waits for the payment provider, after the provider has made the payment,
    // and retries with the same Idempotency-Key: one payment at the provider and one top-up, answered alike to every
    // completed retry.
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public async Task A_top_up_dropped_during_the_provider_call_and_retried_is_one_payment_and_one_top_up(int drops)
    {
        var service = fixture.Service;
        var accountId = await service.PayingCustomerAsync(0m);
        var token = TestTokens.For(accountId, AuthenticationExtensions.CustomerRole);
        var key = Guid.NewGuid().ToString();
        var request = SocketClient.Request(fixture.EndPoint, "/api/balance/top-ups", token, key, TopUpJson);
        service.PaymentAnswerDelay = TimeSpan.FromSeconds(2);
        try
        {
            for (var i = 0; i < drops; i++)
            {
                // The attempt before has let the key go (else this one would be answered 409 at once).
                Assert.True(await Eventually.TrueAsync(
                    async () => !await service.QueryAsync(db => db.IdempotencyRecords.AnyAsync(
                        r => r.AccountId == accountId)),
                    TimeSpan.FromSeconds(10)), "a dropped top-up kept its key");

                // Dropped once the provider has answered this attempt (its answer is still on the way to Orders).
                var answered = service.PaymentAnswers;
                await SocketClient.SendAndDropWhenAsync(
                    fixture.EndPoint, request, () => service.PaymentAnswers > answered);
            }
        }
        finally
        {
            service.PaymentAnswerDelay = TimeSpan.Zero;
        }

        using var http = new HttpClient { BaseAddress = new Uri($"http://{fixture.EndPoint}") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var first = await CompleteTopUpAsync(http, key);
        var second = await CompleteTopUpAsync(http, key);

        var topUpId = first.GetProperty("id").GetGuid();
        Assert.Equal(first.ToString(), second.ToString());
        var topUps = await service.QueryAsync(db => db.TopUps.Where(t => t.AccountId == accountId).ToListAsync());
        var topUp = Assert.Single(topUps);
        Assert.Equal((topUpId, 42.50m), (topUp.Id, topUp.Amount));
        var payment = Assert.Single(service.Payments.Book.List(), p => p.Reference == topUpId.ToString("D"));
        Assert.Equal(payment.Id, topUp.ProviderPaymentId);
        Assert.EndsWith(payment.Id, first.GetProperty("redirectUrl").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await service.QueryAsync(db => db.IdempotencyRecords.CountAsync(
            r => r.AccountId == accountId && r.ResponseStatus == null)));
    }

    // Retries with the key until the top-up is created (an abandoned run may still be finishing: 409 in progress).
    private static async Task<JsonElement> CompleteTopUpAsync(HttpClient http, string key)
    {
        for (var attempt = 0; attempt < 400; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/balance/top-ups")
            {
                Content = new StringContent(TopUpJson, Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (response.StatusCode == HttpStatusCode.Created)
            {
                return body;
            }

            Assert.True(response.StatusCode == HttpStatusCode.Conflict
                && body.GetProperty("code").GetString() == "idempotency_request_in_progress",
                $"{(int)response.StatusCode} {body}");
            await Task.Delay(25);
        }

        throw new TimeoutException($"key {key}: still in progress after 10 s");
    }

    private static void AssertOnePerKey(int seed, int keys, ConcurrentDictionary<string, List<Guid>> answers)
    {
        Assert.True(answers.Count == keys, $"seed {seed}: {answers.Count} of {keys} keys completed");
        var mixed = answers.Where(a => a.Value.Distinct().Count() != 1).Select(a => a.Key).ToList();
        Assert.True(mixed.Count == 0, $"seed {seed}: keys answered with different results: {string.Join(", ", mixed)}");
        Assert.True(answers.Values.Select(a => a[0]).Distinct().Count() == keys,
            $"seed {seed}: two keys answered the same result");
    }

    // Runs keys keyed requests, each dropped 1–3 times and then completed (twice); the ids each key was answered
    // with.
    private async Task<ConcurrentDictionary<string, List<Guid>>> DrillAsync(
        int seed, int keys, Guid accountId, Func<int, string> path, string json, HttpStatusCode expected,
        Func<JsonElement, Guid> idOf)
    {
        var token = TestTokens.For(accountId, AuthenticationExtensions.CustomerRole);
        using var http = new HttpClient
        {
            BaseAddress = new Uri($"http://{fixture.EndPoint}"),
            Timeout = TimeSpan.FromSeconds(30)
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var answers = new ConcurrentDictionary<string, List<Guid>>();
        var started = DateTime.UtcNow;
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            var random = new Random(seed + worker);
            for (var i = worker; i < keys; i += Workers)
            {
                var key = $"drill-{seed}-{i}";
                var request = SocketClient.Request(fixture.EndPoint, path(i), token, key, json);
                for (var drops = random.Next(1, 4); drops > 0; drops--)
                {
                    await SocketClient.SendAndDropAsync(
                        fixture.EndPoint, request, Moments[random.Next(Moments.Length)], random);
                }

                answers[key] = [await CompleteAsync(http, path(i), key, json, expected, idOf, seed),
                    await CompleteAsync(http, path(i), key, json, expected, idOf, seed)];
            }
        })));
        output.WriteLine($"{keys} keys in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
        return answers;
    }

    // Retries with the key until the request completes (the first run may still be finishing: 409 in progress).
    private static async Task<Guid> CompleteAsync(
        HttpClient http, string path, string key, string json, HttpStatusCode expected, Func<JsonElement, Guid> idOf,
        int seed)
    {
        for (var attempt = 0; attempt < 400; attempt++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path)
            {
                Content = new StringContent(json, Encoding.UTF8, "application/json")
            };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await http.SendAsync(request);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (response.StatusCode == expected)
            {
                return idOf(body);
            }

            Assert.True(response.StatusCode == HttpStatusCode.Conflict
                && body.GetProperty("code").GetString() == "idempotency_request_in_progress",
                $"seed {seed}, key {key}: {(int)response.StatusCode} {body}");
            await Task.Delay(25);
        }

        throw new TimeoutException($"seed {seed}, key {key}: still in progress after 10 s");
    }
}
