using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Introserv.Testing;

namespace Introserv.Bench.Panel;

// What customers do in the panel, as shares of the operations (per thousand): page loads (90 %), changes to their
// orders (about 10 %: place, renew, cancel) and now and then a sign-in. Each operation is a random customer's.
// The orders mix only places orders (no cap per customer: the caller sees that the pool has the addresses).
internal sealed partial class PanelMix
{
    // A customer keeps at most this many active orders (then "place" cancels one instead), so the orders, and the
    // pool addresses they hold, stay bounded however long the run.
    public const int MaxOrders = 4;

    private const string SignInEndpoint = "sign-in: authorize, login page, password, code, token";

    // No setup fee and refunds for unused days: placing, renewing and cancelling it costs the balance little.
    private const string Plan = "vps-s";

    private readonly PanelClient _client;
    private readonly Uri _gateway;
    private readonly IReadOnlyList<Customer> _customers;
    private readonly (int Weight, string What, Func<Recorder, Customer, long, Task> Run)[] _operations;
    private readonly int _totalWeight;

    public PanelMix(HttpClient http, IReadOnlyList<Customer> customers, Mix mix = Mix.Panel)
    {
        ArgumentNullException.ThrowIfNull(http);
        _client = new PanelClient(http);
        _gateway = http.BaseAddress!;
        _customers = customers;
        _operations = mix == Mix.Orders ? [(1, "place an order paid from the balance", PlaceAsync)] :
        [
            (150, "profile page", (r, c, s) => ReadAsync(r, c, s, "/api/profile")),
            (120, "security page", (r, c, s) => ReadAsync(r, c, s, "/api/account/security")),
            (180, "orders page", (r, c, s) => ReadAsync(r, c, s, "/api/orders")),
            (80, "an order's page", OrderPageAsync),
            (150, "balance and ledger", (r, c, s) => ReadAsync(r, c, s, "/api/balance")),
            (120, "notification settings", (r, c, s) => ReadAsync(r, c, s, "/api/notifications/settings")),
            (100, "plans", (r, c, s) => ReadAsync(r, c, s, "/api/plans")),
            (98, "place, renew or cancel an order", ChangeOrderAsync),
            (2, "sign-in (code + PKCE)", SignInAsync),
        ];
        _totalWeight = _operations.Sum(o => o.Weight);
    }

    public string Describe() =>
        string.Join(", ", _operations.Select(o => $"{o.What} {100.0 * o.Weight / _totalWeight:0.#} %"));

    public const string PlaceEndpoint = "POST /api/orders";

    public Task RunOneAsync(Recorder recorder, long start)
    {
        var customer = _customers[Random.Shared.Next(_customers.Count)];
        var pick = Random.Shared.Next(_totalWeight);
        foreach (var (weight, _, run) in _operations)
        {
            if (pick < weight)
            {
                return run(recorder, customer, start);
            }

            pick -= weight;
        }

        throw new UnreachableException();
    }

    // After the last step (nothing measured): cancels every order still active, so the address pool is left as it
    // was found. Returns how many cancellations failed.
    public async Task<int> CancelAllAsync()
    {
        var unmeasured = new Recorder();
        await Parallel.ForEachAsync(_customers, new ParallelOptions { MaxDegreeOfParallelism = 4 },
            async (customer, _) =>
            {
                for (var left = customer.ActiveOrders; left > 0 && customer.CheckOut() is { } orderId; left--)
                {
                    await CancelAsync(unmeasured, customer, orderId, Stopwatch.GetTimestamp());
                }
            });
        return unmeasured.Errors;
    }

    private Task<JsonElement?> ReadAsync(Recorder recorder, Customer customer, long start, string path) =>
        _client.SendAsync(recorder, new Call($"GET {path}", RequestClass.Read, HttpMethod.Get, path, customer), start);

    private Task<JsonElement?> OrderPageAsync(Recorder recorder, Customer customer, long start) =>
        customer.AnyOrder() is { } orderId
            ? _client.SendAsync(recorder, new Call(
                "GET /api/orders/{id}", RequestClass.Read, HttpMethod.Get, $"/api/orders/{orderId}", customer), start)
            : ReadAsync(recorder, customer, start, "/api/orders");

    // Place, renew and cancel in equal parts; with no order to act on it places one, with MaxOrders it cancels one.
    private Task ChangeOrderAsync(Recorder recorder, Customer customer, long start)
    {
        var action = Random.Shared.Next(3);
        if (action == 0 && customer.ActiveOrders >= MaxOrders)
        {
            action = 2;
        }

        if (action != 0 && customer.CheckOut() is { } orderId)
        {
            return action == 1
                ? RenewAsync(recorder, customer, orderId, start)
                : CancelAsync(recorder, customer, orderId, start);
        }

        return PlaceAsync(recorder, customer, start);
    }

    // Paid from the balance at once: the order is active with an address (a pending_payment order would mean the
    // profile or the balance does not allow payment, which this benchmark counts as an error).
    private async Task PlaceAsync(Recorder recorder, Customer customer, long start)
    {
        var order = await _client.SendAsync(recorder, new Call(
            PlaceEndpoint, RequestClass.Write, HttpMethod.Post, "/api/orders", customer,
            new { planId = Plan, fields = OrderForms.For(Plan), periodMonths = 1, autoRenew = false }, Keyed: true,
            Check: o => o.GetProperty("status").GetString() == "active" && o.GetProperty("id").TryGetGuid(out _)
                ? null
                : $"{o.GetProperty("status").GetString()}, not active"), start);
        if (order is { } placed)
        {
            customer.Placed(placed.GetProperty("id").GetGuid());
        }
    }

    private async Task RenewAsync(Recorder recorder, Customer customer, Guid orderId, long start)
    {
        await _client.SendAsync(recorder, new Call(
            "POST /api/orders/{id}/renew", RequestClass.Write, HttpMethod.Post, $"/api/orders/{orderId}/renew",
            customer, new { periodMonths = 1 }, Keyed: true), start);
        customer.Return(orderId);
    }

    // As the panel does it: the quote (the refund shown), then the immediate cancellation with that quote. The
    // confirmation depends on the quote's answer, so its latency counts from when it is sent.
    private async Task CancelAsync(Recorder recorder, Customer customer, Guid orderId, long start)
    {
        var quote = await _client.SendAsync(recorder, new Call(
            "POST /api/orders/{id}/cancellation/quote", RequestClass.Write, HttpMethod.Post,
            $"/api/orders/{orderId}/cancellation/quote", customer, new { },
            Check: q => q.GetProperty("immediate").GetProperty("quoteId").TryGetGuid(out _) ? null : "no quote id"),
            start);
        if (quote is not { } quoted)
        {
            customer.Return(orderId);
            return;
        }

        var cancelled = await _client.SendAsync(recorder, new Call(
            "POST /api/orders/{id}/cancellation", RequestClass.Write, HttpMethod.Post,
            $"/api/orders/{orderId}/cancellation", customer,
            new
            {
                mode = "immediate",
                quoteId = quoted.GetProperty("immediate").GetProperty("quoteId").GetGuid(),
                reason = "Load benchmark",
            },
            Keyed: true), Stopwatch.GetTimestamp());
        if (cancelled is null)
        {
            customer.Return(orderId);
        }
        else
        {
            customer.Ended();
        }
    }

    // The whole flow, from the planned start to the tokens, as one sample; the new tokens replace the customer's.
    private async Task SignInAsync(Recorder recorder, Customer customer, long start)
    {
        Failure? failure = null;
        try
        {
            customer.SignedIn(await Accounts.SignInAsync(_gateway, customer.Login, Accounts.Password));
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException
            or OidcErrorException or JsonException or KeyNotFoundException)
        {
            failure = e switch
            {
                OidcErrorException oidc => new Failure(oidc.Error, oidc.Description),
                InvalidOperationException when AnsweredStatus().Match(e.Message) is { Success: true } status =>
                    new Failure($"answered {status.Groups[1].Value}", PanelClient.Trim(e.Message)),
                _ => PanelClient.Describe(e),
            };
        }

        recorder.Record(SignInEndpoint, RequestClass.SignIn, start, failure);
    }

    // OidcBrowser's messages name the status a page or redirect answered.
    [GeneratedRegex(@"(?:answered|got) (\d{3})")]
    private static partial Regex AnsweredStatus();
}
