using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Introserv.Orders.Contracts.Payments;
using Introserv.Orders.Domain;

namespace Introserv.Orders.Tests;

// Top-ups through a payment provider: the methods a country offers, creating a payment at the provider (idempotent),
// and the provider's signed callbacks, which credit the balance exactly once however they arrive.
public sealed class TopUpTests(OrdersServiceFactory factory) : IClassFixture<OrdersServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task<(HttpStatusCode Status, JsonElement Body)> TopUpAsync(
        HttpClient http, object body, string? key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/balance/top-ups")
        {
            Content = JsonContent.Create(body)
        };
        if (key is not null)
        {
            request.Headers.Add("Idempotency-Key", key);
        }

        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    private static string Code(JsonElement problem) => problem.GetProperty("code").GetString()!;

    // A pending top-up of amount by card for a new paying customer: the customer's client and the top-up.
    private async Task<(HttpClient Http, Guid AccountId, JsonElement TopUp)> PendingTopUpAsync(decimal amount = 50m)
    {
        var accountId = await factory.PayingCustomerAsync(0m);
        var http = factory.Customer(accountId);
        var (status, topUp) = await TopUpAsync(
            http, new { amount, currency = "EUR", method = "card" }, Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Created, status);
        return (http, accountId, topUp);
    }

    private static string PaymentIdOf(JsonElement topUp) =>
        topUp.GetProperty("redirectUrl").GetString()!.Split('/').Last();

    // A callback as the provider sends it, signed with secret at the given time (the service's clock by default).
    private async Task<(HttpStatusCode Status, JsonElement Body)> CallbackAsync(
        JsonElement topUp, string status, decimal? amount = null, string secret = FakePaymentProvider.CallbackSecret,
        DateTimeOffset? at = null, string provider = "dev", string? rawBody = null, bool sign = true)
    {
        var body = rawBody ?? JsonSerializer.Serialize(new
        {
            paymentId = PaymentIdOf(topUp),
            reference = topUp.GetProperty("id").GetGuid(),
            status,
            amount = amount ?? topUp.GetProperty("amount").GetDecimal(),
            currency = "EUR",
            occurredAt = factory.Clock.GetUtcNow(),
        });
        var bytes = Encoding.UTF8.GetBytes(body);
        var timestamp = (at ?? factory.Clock.GetUtcNow()).ToUnixTimeSeconds();
        using var anonymous = factory.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/payments/callbacks/{provider}")
        {
            Content = new ByteArrayContent(bytes)
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        if (sign)
        {
            request.Headers.Add(
                PaymentCallbackSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add(
                PaymentCallbackSignature.SignatureHeader, PaymentCallbackSignature.Sign(secret, timestamp, bytes));
        }

        using var response = await anonymous.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<JsonElement> TopUpViewAsync(HttpClient http, JsonElement topUp) =>
        await http.GetFromJsonAsync<JsonElement>($"/api/balance/top-ups/{topUp.GetProperty("id").GetGuid()}");

    private async Task<int> TopUpCreditsAsync(Guid accountId) =>
        await factory.QueryAsync(db => db.Ledger.CountAsync(
            e => e.AccountId == accountId && e.Reason == LedgerRules.TopUp));

    [Fact]
    public async Task The_methods_follow_the_country_and_say_why_payment_is_blocked()
    {
        var paying = await factory.PayingCustomerAsync(0m, country: "BG");
        using var http = factory.Customer(paying);

        var methods = await http.GetFromJsonAsync<JsonElement>("/api/payment-methods");

        Assert.Equal("BG", methods.GetProperty("country").GetString());
        Assert.Equal(["card", "offline", "sepa"],
            methods.GetProperty("methods").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        var sepa = methods.GetProperty("methods")[2];
        Assert.Equal(20m, sepa.GetProperty("minAmount").GetDecimal());
        Assert.Equal("EUR", sepa.GetProperty("currency").GetString());
        Assert.Empty(methods.GetProperty("paymentBlockedReasons").EnumerateArray());

        var incomplete = await factory.PayingCustomerAsync(0m, completeProfile: false);
        using var blockedHttp = factory.Customer(incomplete);
        var blocked = await blockedHttp.GetFromJsonAsync<JsonElement>("/api/payment-methods");
        Assert.NotEmpty(blocked.GetProperty("paymentBlockedReasons").EnumerateArray());

        factory.ProfileDown = true;
        try
        {
            using var down = await http.GetAsync("/api/payment-methods");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);
        }
        finally
        {
            factory.ProfileDown = false;
        }
    }

    [Fact]
    public async Task A_top_up_approved_at_the_provider_is_credited_once_however_often_the_callback_comes()
    {
        var (http, accountId, topUp) = await PendingTopUpAsync(50m);
        Assert.Equal("pending", topUp.GetProperty("status").GetString());
        var redirect = new Uri(topUp.GetProperty("redirectUrl").GetString()!);
        Assert.Equal(factory.Payments.Address.Authority, redirect.Authority);

        // The customer's page at the provider shows the amount; the provider approves and calls back.
        using var provider = factory.Payments.Client();
        var checkout = await provider.GetStringAsync(redirect.PathAndQuery);
        Assert.Contains("50.00 EUR", checkout, StringComparison.Ordinal);
        var paymentId = PaymentIdOf(topUp);
        using var approved = await provider.PostAsync($"/api/payments/{paymentId}/approve", null);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);
        var callbacks = (await approved.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("callbacks");
        Assert.Equal(200, callbacks[0].GetProperty("responseStatus").GetInt32());
        Assert.Equal(50m, await OrdersServiceFactory.BalanceAsync(http));

        // The provider sends it again, three times: nothing more is credited.
        for (var i = 0; i < 3; i++)
        {
            using var resent = await provider.PostAsync($"/api/payments/{paymentId}/resend", null);
            Assert.Equal(HttpStatusCode.OK, resent.StatusCode);
        }

        Assert.Equal(50m, await OrdersServiceFactory.BalanceAsync(http));
        Assert.Equal(1, await TopUpCreditsAsync(accountId));
        var view = await TopUpViewAsync(http, topUp);
        Assert.Equal("succeeded", view.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, view.GetProperty("redirectUrl").ValueKind);
        Assert.Equal(1, view.GetProperty("ledgerSequence").GetInt64());
        var ledger = await http.GetFromJsonAsync<JsonElement>("/api/balance");
        Assert.Equal($"dev:{paymentId}", ledger.GetProperty("items")[0].GetProperty("referenceId").GetString());
        await factory.AssertLedgerExplainsBalanceAsync(accountId);
    }

    [Fact]
    public async Task Twenty_callbacks_at_once_credit_once()
    {
        var (http, accountId, topUp) = await PendingTopUpAsync(30m);

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => CallbackAsync(topUp, "succeeded")));

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Single(answers, a => a.Body.GetProperty("credited").GetBoolean());
        Assert.Equal(30m, await OrdersServiceFactory.BalanceAsync(http));
        Assert.Equal(1, await TopUpCreditsAsync(accountId));
        await factory.AssertLedgerExplainsBalanceAsync(accountId);
    }

    [Fact]
    public async Task Callbacks_out_of_order_never_undo_a_payment_and_a_success_after_a_failure_is_credited()
    {
        // Succeeded, then an older failure: the top-up stays succeeded and credited.
        var (http, _, first) = await PendingTopUpAsync(40m);
        Assert.Equal(HttpStatusCode.OK, (await CallbackAsync(first, "succeeded")).Status);
        var late = await CallbackAsync(first, "failed");
        Assert.Equal(HttpStatusCode.OK, late.Status);
        Assert.Equal("succeeded", late.Body.GetProperty("status").GetString());
        Assert.False(late.Body.GetProperty("credited").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await CallbackAsync(first, "expired")).Status);
        Assert.Equal("succeeded", (await TopUpViewAsync(http, first)).GetProperty("status").GetString());
        Assert.Equal(40m, await OrdersServiceFactory.BalanceAsync(http));

        // Failed, then succeeded (the customer paid on a second try at the provider): credited.
        var (http2, _, second) = await PendingTopUpAsync(25m);
        var failed = await CallbackAsync(second, "failed");
        Assert.Equal("failed", failed.Body.GetProperty("status").GetString());
        Assert.Equal(0m, await OrdersServiceFactory.BalanceAsync(http2));
        var paid = await CallbackAsync(second, "succeeded");
        Assert.True(paid.Body.GetProperty("credited").GetBoolean());
        Assert.Equal(25m, await OrdersServiceFactory.BalanceAsync(http2));

        // A pending callback changes nothing.
        var (http3, _, third) = await PendingTopUpAsync(25m);
        Assert.Equal("pending", (await CallbackAsync(third, "pending")).Body.GetProperty("status").GetString());
        Assert.Equal(0m, await OrdersServiceFactory.BalanceAsync(http3));
    }

    [Fact]
    public async Task A_payment_approved_after_the_top_up_expired_is_still_credited()
    {
        var (http, accountId, topUp) = await PendingTopUpAsync(60m);
        factory.Clock.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(1));

        var expired = await TopUpViewAsync(http, topUp);
        Assert.Equal("expired", expired.GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, expired.GetProperty("redirectUrl").ValueKind);
        var listed = await http.GetFromJsonAsync<JsonElement>("/api/balance/top-ups?status=expired");
        Assert.Single(listed.GetProperty("items").EnumerateArray());

        // The provider took the money anyway: the customer's money is credited, with a note.
        using var provider = factory.Payments.Client();
        using var approved = await provider.PostAsync($"/api/payments/{PaymentIdOf(topUp)}/approve", null);
        Assert.Equal(HttpStatusCode.OK, approved.StatusCode);

        Assert.Equal(60m, await OrdersServiceFactory.BalanceAsync(http));
        Assert.Equal("succeeded", (await TopUpViewAsync(http, topUp)).GetProperty("status").GetString());
        var entry = await factory.QueryAsync(db => db.Ledger.SingleAsync(e => e.AccountId == accountId));
        Assert.Contains("after it expired", entry.Note, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forged_replayed_and_malformed_callbacks_are_refused_and_credit_nothing()
    {
        var (http, _, topUp) = await PendingTopUpAsync(50m);

        Assert.Equal(HttpStatusCode.Unauthorized,
            (await CallbackAsync(topUp, "succeeded", secret: "a-secret-the-attacker-guessed-0123")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await CallbackAsync(topUp, "succeeded", sign: false)).Status);
        var old = await CallbackAsync(topUp, "succeeded", at: factory.Clock.GetUtcNow().AddMinutes(-6));
        Assert.Equal(HttpStatusCode.Unauthorized, old.Status);
        Assert.Equal("callback_signature_invalid", Code(old.Body));
        Assert.Equal(HttpStatusCode.Unauthorized,
            (await CallbackAsync(topUp, "succeeded", at: factory.Clock.GetUtcNow().AddMinutes(6))).Status);

        // A body changed after signing: sign one body, send another.
        var timestamp = factory.Clock.GetUtcNow().ToUnixTimeSeconds();
        var signed = Encoding.UTF8.GetBytes("{\"status\":\"failed\"}");
        using (var anonymous = factory.CreateClient())
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/payments/callbacks/dev")
            {
                Content = JsonContent.Create(new
                {
                    paymentId = PaymentIdOf(topUp), reference = topUp.GetProperty("id").GetGuid(),
                    status = "succeeded", amount = 50m, currency = "EUR",
                })
            };
            request.Headers.Add(
                PaymentCallbackSignature.TimestampHeader, timestamp.ToString(CultureInfo.InvariantCulture));
            request.Headers.Add(PaymentCallbackSignature.SignatureHeader,
                PaymentCallbackSignature.Sign(FakePaymentProvider.CallbackSecret, timestamp, signed));
            using var tampered = await anonymous.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, tampered.StatusCode);
        }

        // Signed but not understood, for another provider, or for no top-up.
        foreach (var raw in new[] { "not json", "[]", "{\"status\":\"succeeded\"}", "{\"paymentId\":1}" })
        {
            var (status, body) = await CallbackAsync(topUp, "succeeded", rawBody: raw);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("callback_invalid", Code(body));
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await CallbackAsync(topUp, "refunded")).Status);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await CallbackAsync(topUp, "succeeded", rawBody: new string(' ', 70_000))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await CallbackAsync(topUp, "succeeded", provider: "nobody")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await CallbackAsync(topUp, "succeeded", provider: "../x")).Status);
        // The offline provider's secret does not make a dev payment succeed (each provider its own payments).
        Assert.Equal(HttpStatusCode.NotFound, (await CallbackAsync(
            topUp, "succeeded", secret: "offline-provider-secret-0123456789", provider: "offline")).Status);
        var unknown = JsonSerializer.Serialize(new
        {
            paymentId = "pay_unknown", reference = Guid.NewGuid(), status = "succeeded", amount = 50m, currency = "EUR",
        });
        Assert.Equal(HttpStatusCode.NotFound, (await CallbackAsync(topUp, "succeeded", rawBody: unknown)).Status);

        Assert.Equal(0m, await OrdersServiceFactory.BalanceAsync(http));
        Assert.Equal("pending", (await TopUpViewAsync(http, topUp)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_callback_for_another_amount_is_not_credited_and_is_kept_for_review()
    {
        var (http, _, topUp) = await PendingTopUpAsync(50m);

        // The provider reports 500.00 for a 50.00 payment.
        using var provider = factory.Payments.Client();
        using var approved = await provider.PostAsJsonAsync(
            $"/api/payments/{PaymentIdOf(topUp)}/approve", new { amount = 500m });
        var attempts = (await approved.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("callbacks");
        Assert.Equal(409, attempts[0].GetProperty("responseStatus").GetInt32());
        var direct = await CallbackAsync(topUp, "succeeded", amount: 49.99m);
        Assert.Equal(HttpStatusCode.Conflict, direct.Status);
        Assert.Equal("callback_amount_mismatch", Code(direct.Body));

        Assert.Equal(0m, await OrdersServiceFactory.BalanceAsync(http));
        var id = topUp.GetProperty("id").GetGuid();
        var stored = await factory.QueryAsync(db => db.TopUps.SingleAsync(t => t.Id == id));
        Assert.Equal(TopUpStatuses.Pending, stored.Status);
        Assert.Contains("49.99", stored.Anomaly, StringComparison.Ordinal);

        // The right amount afterwards is credited.
        Assert.True((await CallbackAsync(topUp, "succeeded")).Body.GetProperty("credited").GetBoolean());
        Assert.Equal(50m, await OrdersServiceFactory.BalanceAsync(http));
    }

    [Fact]
    public async Task A_retried_or_repeated_top_up_is_one_payment_at_the_provider()
    {
        var accountId = await factory.PayingCustomerAsync(0m);
        using var http = factory.Customer(accountId);
        var key = Guid.NewGuid().ToString();
        var body = new { amount = 75m, currency = "EUR", method = "card" };

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => TopUpAsync(http, body, key)));

        var created = answers.Where(a => a.Status == HttpStatusCode.Created).ToList();
        Assert.NotEmpty(created);
        Assert.All(answers, a => Assert.True(
            a.Status is HttpStatusCode.Created || Code(a.Body) == "idempotency_request_in_progress",
            $"{a.Status} {a.Body}"));
        Assert.Single(created.Select(a => a.Body.GetProperty("id").GetGuid()).Distinct());
        var again = await TopUpAsync(http, body, key);
        Assert.Equal(created[0].Body.GetProperty("id").GetGuid(), again.Body.GetProperty("id").GetGuid());
        Assert.Equal(1, await factory.QueryAsync(db => db.TopUps.CountAsync(t => t.AccountId == accountId)));
        var reference = created[0].Body.GetProperty("id").GetGuid().ToString("D");
        Assert.Single(factory.Payments.Book.List(), p => p.Reference == reference);

        // The key again after its 24 hours: the top-up it made, not a second one (and not an error).
        factory.Clock.Advance(TimeSpan.FromHours(25));
        var later = await TopUpAsync(http, body, key);
        Assert.Equal(HttpStatusCode.Created, later.Status);
        Assert.Equal(created[0].Body.GetProperty("id").GetGuid(), later.Body.GetProperty("id").GetGuid());
        Assert.Equal(1, await factory.QueryAsync(db => db.TopUps.CountAsync(t => t.AccountId == accountId)));
        Assert.Single(factory.Payments.Book.List(), p => p.Reference == reference);

        var reused = await TopUpAsync(http, new { amount = 76m, currency = "EUR", method = "card" }, key);
        Assert.Equal("idempotency_key_reused", Code(reused.Body));
        var noKey = await TopUpAsync(http, body, null);
        Assert.Equal("idempotency_key_required", Code(noKey.Body));
    }

    [Fact]
    public async Task Bad_requests_blocked_profiles_and_unreachable_providers_create_nothing()
    {
        var accountId = await factory.PayingCustomerAsync(0m, country: "BG");
        using var http = factory.Customer(accountId);
        async Task<(HttpStatusCode, string)> Refused(object body)
        {
            var (status, problem) = await TopUpAsync(http, body, Guid.NewGuid().ToString());
            return (status, Code(problem));
        }

        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"),
            await Refused(new { amount = 0m, currency = "EUR", method = "card" }));
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"),
            await Refused(new { amount = 10.001m, currency = "EUR", method = "card" }));
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"),
            await Refused(new { amount = 10m, currency = "EUR", method = "bitcoin" }));
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"),
            await Refused(new { amount = 10m, currency = "EUR", method = "sepa" }));
        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"),
            await Refused(new { amount = 10m, currency = "eur", method = "card" }));
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "currency_mismatch"),
            await Refused(new { amount = 10m, currency = "USD", method = "card" }));
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "payment_method_unavailable"),
            await Refused(new { amount = 10m, currency = "EUR", method = "wire" }));

        // The provider cannot be reached: 503, nothing stored, and the same key may be tried again at once.
        var key = Guid.NewGuid().ToString();
        var offline = new { amount = 10m, currency = "EUR", method = "offline" };
        var down = await TopUpAsync(http, offline, key);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.Status);
        Assert.Equal("payment_provider_unavailable", Code(down.Body));
        Assert.Equal("payment_provider_unavailable", Code((await TopUpAsync(http, offline, key)).Body));

        var incomplete = await factory.PayingCustomerAsync(0m, completeProfile: false);
        using var blockedHttp = factory.Customer(incomplete);
        var blocked = await TopUpAsync(
            blockedHttp, new { amount = 10m, currency = "EUR", method = "card" }, Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Forbidden, blocked.Status);
        Assert.StartsWith("payment_blocked_", Code(blocked.Body), StringComparison.Ordinal);

        factory.ProfileDown = true;
        try
        {
            var unavailable = await TopUpAsync(
                http, new { amount = 10m, currency = "EUR", method = "card" }, Guid.NewGuid().ToString());
            Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.Status);
            Assert.Equal("service_unavailable", Code(unavailable.Body));
        }
        finally
        {
            factory.ProfileDown = false;
        }

        Assert.Equal(0, await factory.QueryAsync(db => db.TopUps.CountAsync()));
        Assert.DoesNotContain(factory.Payments.Book.List(), p => p.Amount == 10m);
    }

    // Sessions of the service's database that have sat in an open transaction for more than half a second.
    private async Task<int> WaitingTransactionsAsync() =>
        await factory.QueryAsync(db => db.Database.SqlQueryRaw<int>(
            """
            SELECT count(*)::int AS "Value" FROM pg_stat_activity
            WHERE datname = current_database() AND state LIKE 'idle in transaction%'
              AND now() - state_change > interval '500 milliseconds'
            """).SingleAsync());

    [Fact]
    public async Task A_provider_that_never_answers_holds_no_database_transaction_and_no_other_top_up()
    {
        var accountId = await factory.PayingCustomerAsync(0m, country: "JP");
        using var http = factory.Customer(accountId);
        var silent = new { amount = 10m, currency = "EUR", method = "silent" };
        var keys = Enumerable.Range(0, 5).Select(_ => Guid.NewGuid().ToString()).ToList();

        // Five top-ups wait for a provider that takes the connection and never answers (3 seconds' timeout).
        var waiting = keys.Select(key => TopUpAsync(http, silent, key)).ToList();
        var (most, stillWaiting) = (0, 0);
        var sampled = Stopwatch.StartNew();
        while (sampled.Elapsed < TimeSpan.FromSeconds(2))
        {
            var waitedFor = sampled.Elapsed;
            most = Math.Max(most, await WaitingTransactionsAsync());
            // Whether a sample that could have seen a held transaction (one begun over half a second before it) was
            // taken while requests were still waiting for the provider.
            if (waitedFor > TimeSpan.FromSeconds(1))
            {
                stillWaiting = Math.Max(stillWaiting, waiting.Count(t => !t.IsCompleted));
            }
            await Task.Delay(100);
        }

        // Meanwhile a top-up by card is created at once.
        var card = await TopUpAsync(
            http, new { amount = 10m, currency = "EUR", method = "card" }, Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Created, card.Status);
        var answers = await Task.WhenAll(waiting);

        Assert.True(stillWaiting > 0, "The provider answered before the transactions were sampled.");
        Assert.Equal(0, most);
        Assert.All(answers, a => Assert.Equal(
            (HttpStatusCode.ServiceUnavailable, "payment_provider_unavailable"), (a.Status, Code(a.Body))));
        Assert.Equal(1, await factory.QueryAsync(db => db.TopUps.CountAsync(t => t.AccountId == accountId)));
        // The keys were released: the same request may be tried again (and meets the same provider outage).
        var again = await TopUpAsync(http, silent, keys[0]);
        Assert.Equal("payment_provider_unavailable", Code(again.Body));
    }

    [Fact]
    public async Task Another_account_sees_none_of_a_customers_top_ups()
    {
        var (http, _, topUp) = await PendingTopUpAsync(50m);
        var other = await factory.PayingCustomerAsync(0m);
        using var otherHttp = factory.Customer(other);

        using var foreign = await otherHttp.GetAsync($"/api/balance/top-ups/{topUp.GetProperty("id").GetGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        var list = await otherHttp.GetFromJsonAsync<JsonElement>("/api/balance/top-ups");
        Assert.Empty(list.GetProperty("items").EnumerateArray());
        var own = await http.GetFromJsonAsync<JsonElement>("/api/balance/top-ups?status=pending");
        Assert.Single(own.GetProperty("items").EnumerateArray());
        using var badStatus = await http.GetAsync("/api/balance/top-ups?status=paid");
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
    }
}
