using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Xunit.Abstractions;

namespace Introserv.EndToEnd.Tests;

// A stack of its own with two replicas of every service and of the gateway (Stack:Replicas=2, as a deployment
// scaled out would run them): replicas of a service behind Aspire's load-balancing proxy, sharing their database
// and queues; the gateways on ports of their own, sharing Redis. The order lifecycle runs every second on both
// Orders replicas and cancels an unpaid order after 15 s.
public sealed class ScaledStackFixture : StackFixture
{
    public const int Replicas = 2;

    // Anonymous requests per address per minute at this stack: the rate-limit drill spends it from an address of its
    // own; the customers' sign-ins from 127.0.0.1 stay well under it.
    public const int AnonymousLimit = 200;

    public static readonly TimeSpan PaymentWindow = TimeSpan.FromSeconds(15);

    public static IReadOnlyList<string> Services { get; } =
    [
        ResourceNames.Identity, ResourceNames.Profile, ResourceNames.Orders, ResourceNames.Notifications,
        ResourceNames.Verification,
    ];

    protected override IEnumerable<string> StackArguments =>
    [
        $"Stack:Replicas={Replicas}",
        // The main test stack's panel holds its port.
        "Panel:Enabled=false",
        $"Gateway:RateLimits:anonymous:PermitLimit={AnonymousLimit}",
        "Settings:orders:Orders:Lifecycle:Interval=00:00:01",
        $"Settings:orders:Orders:Lifecycle:PaymentWindow={PaymentWindow:c}",
        // Each pass says when it ran (and each replica when it stood aside).
        "Settings:orders:Logging:LogLevel:Introserv.Orders.Features.Lifecycle=Debug",
    ];

    // Ten service processes, two gateways and the stand-ins start (Identity's replicas after the services that
    // consume its events, see the AppHost).
    protected override TimeSpan StartTimeout => TimeSpan.FromMinutes(8);

    public override IReadOnlyList<string> Gateways { get; } =
        [ResourceNames.Gateway, $"{ResourceNames.Gateway}-2"];

    public Uri GatewayAt(int replica) => App.GetEndpoint(Gateways[replica], ResourceNames.HttpEndpoint);

    // A client of gateway replica (0 or 1) carrying the same token as api.
    public HttpClient AtGateway(int replica, HttpClient api)
    {
        ArgumentNullException.ThrowIfNull(api);
        var http = App.CreateHttpClient(Gateways[replica], ResourceNames.HttpEndpoint);
        http.DefaultRequestHeaders.Authorization = api.DefaultRequestHeaders.Authorization;
        return http;
    }

    // The process names (resource ids) of a replicated service's instances, from the stack's current states.
    public async Task<IReadOnlyList<string>> InstancesOfAsync(string service) =>
        [.. (await CurrentStatesAsync())
            .Where(e => e.Resource.Name == service)
            .Select(e => e.ResourceId)
            .Order(StringComparer.Ordinal)];
}

// The scaled stack runs alone, after the other collections (and the single-replica stack) are done: fourteen more
// processes starting beside them would compete for a small machine's cores.
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ScaledStackDefinition : ICollectionFixture<ScaledStackFixture>
{
    public const string Name = "scaled stack";
}

// The multi-replica drill: orders, renewals, lifecycle passes, mail delivery and allow-list changes across two
// replicas of everything. Every order and mail exactly once, one lifecycle pass at a time, an allow-list change
// enforced by both gateways within 5 s, one rate limit for both gateways.
[Collection(ScaledStackDefinition.Name)]
public sealed partial class MultiReplicaDrillTests(ScaledStackFixture stack, ITestOutputHelper output)
{
    // VPS S for a month, 9.90 net and BG's 20 % VAT (the customers are in the seller's country).
    private const decimal Price = 11.88m;
    private const int OrdersPerCustomer = 5;
    private const int Customers = 3;

    [Fact]
    public async Task Every_service_runs_two_processes_and_both_gateways_serve()
    {
        foreach (var service in ScaledStackFixture.Services)
        {
            var instances = await stack.InstancesOfAsync(service);
            Assert.True(instances.Count == ScaledStackFixture.Replicas,
                $"{service}: {instances.Count} instances ({string.Join(", ", instances)})");
            var pids = instances.Select(instance =>
            {
                Assert.True(stack.App.ResourceNotifications.TryGetCurrentState(instance, out var state), instance);
                Assert.Equal("Running", state.Snapshot.State?.Text);
                return state.Snapshot.Properties.Single(p => p.Name == "executable.pid").Value;
            }).ToList();
            Assert.Equal(pids.Count, pids.Distinct().Count());
            output.WriteLine($"{service}: {string.Join(", ", instances)}");
        }

        for (var replica = 0; replica < ScaledStackFixture.Replicas; replica++)
        {
            using var http = stack.App.CreateHttpClient(stack.Gateways[replica], ResourceNames.HttpEndpoint);
            using var plans = await http.GetAsync(new Uri("/api/plans", UriKind.Relative));
            await Expect.StatusAsync(HttpStatusCode.OK, plans);
        }

        Assert.NotEqual(stack.GatewayAt(0).Port, stack.GatewayAt(1).Port);
    }

    [Fact]
    public async Task Orders_and_renewals_retried_at_the_other_gateway_are_placed_charged_and_mailed_once()
    {
        const decimal credit = (OrdersPerCustomer * 2 * Price) + 10m;
        var customers = await Task.WhenAll(Enumerable.Range(0, Customers)
            .Select(_ => stack.RegisterPayingCustomerAsync("scaled", credit)));
        var watch = Stopwatch.StartNew();
        var outcomes = await Task.WhenAll(customers.Select(async customer =>
        {
            using var first = stack.AtGateway(0, customer.Api);
            using var second = stack.AtGateway(1, customer.Api);
            var placed = new List<Guid>();
            for (var i = 0; i < OrdersPerCustomer; i++)
            {
                // The same request at both gateways at once: a client's retry through the other replica racing its
                // first try. Both answers name one order.
                var key = Guid.NewGuid().ToString();
                var answers = await BothAsync(first, second, HttpMethod.Post, "/api/orders",
                    OrderForms.Body("vps-s", 1), key, HttpStatusCode.Created);
                placed.Add(Assert.Single(answers.Select(a => a.GetProperty("id").GetGuid()).Distinct()));
                Assert.All(answers, a => Assert.Equal("active", a.GetProperty("status").GetString()));
            }

            foreach (var id in placed)
            {
                var key = Guid.NewGuid().ToString();
                var answers = await BothAsync(second, first, HttpMethod.Post, $"/api/orders/{id}/renew",
                    new { periodMonths = 1 }, key, HttpStatusCode.OK);
                Assert.Single(answers.Select(a => a.GetProperty("paidUntil").GetDateTimeOffset()).Distinct());
            }

            return (customer, placed);
        }));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{Customers} customers placed and renewed {Customers * OrdersPerCustomer} orders in " +
            $"{watch.Elapsed.TotalSeconds:F1} s, each request sent to both gateways at once"));

        using var mail = stack.App.CreateHttpClient(ResourceNames.MailDev, ResourceNames.HttpEndpoint);
        foreach (var ((api, _, email), placed) in outcomes)
        {
            using var disposeApi = api;
            var active = await JsonApi.AllPagesAsync(api, "/api/orders", o => o.GetProperty("id").GetString()!);
            Assert.Equal(placed.Select(id => id.ToString()).Order(), active.Order());

            var balance = await api.GetFromJsonAsync<JsonElement>("/api/balance?limit=100");
            var entries = balance.GetProperty("items").EnumerateArray().ToList();
            Assert.Equal(OrdersPerCustomer, entries.Count(e => e.GetProperty("reason").GetString() == "order_charge"));
            Assert.Equal(
                OrdersPerCustomer, entries.Count(e => e.GetProperty("reason").GetString() == "renewal_charge"));
            Assert.Equal(credit - (OrdersPerCustomer * 2 * Price), balance.GetProperty("balance").GetDecimal());
            Assert.Equal(balance.GetProperty("balance").GetDecimal(),
                entries.Sum(e => e.GetProperty("amount").GetDecimal()));

            var mails = await MailsSettledAsync(mail, email, new Dictionary<string, int>
            {
                ["order_placed"] = OrdersPerCustomer,
                ["order_renewed"] = OrdersPerCustomer,
            });
            output.WriteLine($"{email}: {Describe(mails)}");
        }
    }

    [Fact]
    public async Task Orders_dropped_at_one_gateway_and_retried_at_the_other_are_placed_and_charged_once()
    {
        const int orders = 8;
        const decimal credit = (orders * Price) + 10m;
        var seed = Random.Shared.Next();
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        var (api, _, email) = await stack.RegisterPayingCustomerAsync("dropped", credit);
        using var disposeApi = api;
        using var first = stack.AtGateway(0, api);
        using var second = stack.AtGateway(1, api);
        var placed = new List<Guid>();
        for (var i = 0; i < orders; i++)
        {
            // The first try is cut off by the client (its connection closed) at a random moment: before the gateway
            // has forwarded it, while Orders works on it, or after the order exists and before the answer is read.
            var key = Guid.NewGuid().ToString();
            var dropAfter = TimeSpan.FromMilliseconds(random.Next(0, 250));
            using (var cut = new CancellationTokenSource(dropAfter))
            using (var request = OrderRequest(key))
            {
                try
                {
                    using var response = await first.SendAsync(request, cut.Token);
                    output.WriteLine($"order {i}: answered ({(int)response.StatusCode}) before the {dropAfter} cut");
                }
                catch (OperationCanceledException)
                {
                    output.WriteLine($"order {i}: dropped after {dropAfter.TotalMilliseconds} ms");
                }
            }

            // The retry goes to the other gateway; while the first try still holds the key it answers 409.
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                using var retry = OrderRequest(key);
                using var response = await second.SendAsync(retry);
                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (response.StatusCode == HttpStatusCode.Conflict && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                    continue;
                }

                Assert.True(response.StatusCode == HttpStatusCode.Created,
                    $"seed {seed}, order {i}: the retry got {(int)response.StatusCode} {body}");
                placed.Add(body.GetProperty("id").GetGuid());
                break;
            }
        }

        var listed = await JsonApi.AllPagesAsync(api, "/api/orders", o => o.GetProperty("id").GetString()!);
        Assert.True(placed.Select(id => id.ToString()).Order().SequenceEqual(listed.Order()),
            $"seed {seed}: {listed.Count} orders for {orders} keys");
        var balance = await api.GetFromJsonAsync<JsonElement>("/api/balance?limit=100");
        var entries = balance.GetProperty("items").EnumerateArray().ToList();
        Assert.True(orders == entries.Count(e => e.GetProperty("reason").GetString() == "order_charge"),
            $"seed {seed}: {entries.Count(e => e.GetProperty("reason").GetString() == "order_charge")} charges");
        Assert.Equal(credit - (orders * Price), balance.GetProperty("balance").GetDecimal());

        using var mail = stack.App.CreateHttpClient(ResourceNames.MailDev, ResourceNames.HttpEndpoint);
        var mails = await MailsSettledAsync(mail, email, new Dictionary<string, int> { ["order_placed"] = orders });
        output.WriteLine($"{email}: {Describe(mails)}");

        static HttpRequestMessage OrderRequest(string key) => new(HttpMethod.Post, "/api/orders")
        {
            Content = JsonContent.Create(OrderForms.Body("vps-s", 1)),
            Headers = { { "Idempotency-Key", key } },
        };
    }

    [Fact]
    public async Task Unpaid_orders_are_cancelled_once_by_one_lifecycle_pass_at_a_time_on_either_replica()
    {
        const int unpaid = 4;
        // Too little credit for a month of VPS S: each order waits for payment.
        var (api, _, email) = await stack.RegisterPayingCustomerAsync("unpaid", 5m);
        using var disposeApi = api;
        var since = DateTimeOffset.UtcNow;
        var placed = new List<Guid>();
        for (var i = 0; i < unpaid; i++)
        {
            using var at = stack.AtGateway(i % 2, api);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
            {
                Content = JsonContent.Create(OrderForms.Body("vps-s", 1)),
                Headers = { { "Idempotency-Key", Guid.NewGuid().ToString() } },
            };
            using var response = await at.SendAsync(request);
            var order = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(response.StatusCode == HttpStatusCode.Created, order.ToString());
            Assert.Equal("pending_payment", order.GetProperty("status").GetString());
            placed.Add(order.GetProperty("id").GetGuid());
        }

        // The payment window (15 s) passes; a pass on either replica cancels each order.
        var cancelled = await Eventually.ValueAsync(
            () => JsonApi.AllPagesAsync(
                api, "/api/orders/history?status=cancelled", o => o.GetProperty("id").GetString()!),
            ids => ids.Count >= unpaid,
            ScaledStackFixture.PaymentWindow + TimeSpan.FromSeconds(45));
        Assert.Equal(placed.Select(id => id.ToString()).Order(), cancelled.Order());
        foreach (var id in placed)
        {
            var order = await api.GetFromJsonAsync<JsonElement>($"/api/orders/{id}");
            var timeline = order.GetProperty("timeline").EnumerateArray()
                .Select(t => t.GetProperty("status").GetString()).ToList();
            Assert.Equal(["pending_payment", "cancelled"], timeline);
        }

        using var mail = stack.App.CreateHttpClient(ResourceNames.MailDev, ResourceNames.HttpEndpoint);
        var mails = await MailsSettledAsync(
            mail, email, new Dictionary<string, int> { ["order_placed"] = unpaid, ["order_cancelled"] = unpaid });
        output.WriteLine($"{email}: {Describe(mails)}");

        // Every pass from both replicas since the orders were placed: both ran passes, and no two overlapped.
        var passes = new List<(string Replica, DateTimeOffset From, DateTimeOffset To)>();
        var skipped = new Dictionary<string, int>();
        foreach (var instance in await stack.InstancesOfAsync(ResourceNames.Orders))
        {
            var lines = await LogLinesAsync(instance);
            foreach (Match ran in lines.Select(l => PassLine().Match(l)).Where(m => m.Success))
            {
                var from = DateTimeOffset.Parse(ran.Groups["from"].Value, CultureInfo.InvariantCulture);
                if (from >= since)
                {
                    passes.Add((instance, from,
                        DateTimeOffset.Parse(ran.Groups["to"].Value, CultureInfo.InvariantCulture)));
                }
            }

            skipped[instance] = lines.Count(l => l.Contains("Order lifecycle pass skipped", StringComparison.Ordinal));
        }

        var byReplica = passes.GroupBy(p => p.Replica).ToDictionary(g => g.Key, g => g.Count());
        output.WriteLine("lifecycle passes since the orders were placed: " + string.Join("; ", byReplica.Select(r =>
            $"{r.Key} ran {r.Value}, stood aside {skipped[r.Key]}")));
        Assert.True(byReplica.Count == ScaledStackFixture.Replicas,
            "lifecycle passes ran on " + string.Join(", ", byReplica.Keys) + " only");
        var ordered = passes.OrderBy(p => p.From).ToList();
        for (var i = 1; i < ordered.Count; i++)
        {
            Assert.True(ordered[i].From >= ordered[i - 1].To,
                $"a pass on {ordered[i].Replica} from {ordered[i].From:O} overlapped the one on " +
                $"{ordered[i - 1].Replica} from {ordered[i - 1].From:O} to {ordered[i - 1].To:O}");
        }
    }

    [Fact]
    public async Task An_allow_list_change_at_either_gateway_is_enforced_by_both_within_five_seconds()
    {
        const string password = "basalt meadow 48 ferries";
        var login = $"scaled.{Guid.NewGuid():N}"[..20];
        await stack.RegisterAsync(login, password, "Ada", "Lovelace");
        var token = (await stack.NewBrowser().SignInAsync(login, password)).AccessToken;

        // Each step: both gateways hold the current list (a request from the allowed address at each), the list is
        // changed through one gateway, and both refuse the old address and admit the new one within 5 s.
        var steps = new (int Via, string From, string[] Entries, string Refused, string Admitted)[]
        {
            (0, "127.0.0.1", ["127.0.0.3"], "127.0.0.1", "127.0.0.3"),
            (1, "127.0.0.3", ["127.0.0.4"], "127.0.0.3", "127.0.0.4"),
            (0, "127.0.0.4", ["::1"], "127.0.0.4", "::1"),
            (1, "::1", [], "", "127.0.0.1"),
        };
        foreach (var (via, from, entries, refused, admitted) in steps)
        {
            // Identity checks the list too, and a replica that missed the other's notice holds its copy for up to
            // its entry-cache lifetime (5 s): the current list is what both answer within that time.
            for (var replica = 0; replica < ScaledStackFixture.Replicas; replica++)
            {
                var current = replica;
                var holds = await Eventually.TrueAsync(
                    async () => await SecurityStatusAsync(current, from, token) == HttpStatusCode.OK,
                    TimeSpan.FromSeconds(6));
                Assert.True(holds, $"gateway {current + 1} did not admit {from} within 6 s");
            }

            using (var api = SourceAddressClient.Create(from, stack.GatewayAt(via), token))
            {
                // The change may reach the other Identity replica than the reads above did, and within the same
                // 5 s that one may still refuse the address the list has just admitted: a refused change changes
                // nothing, so it is sent again until one is accepted.
                var answer = "";
                var changed = await Eventually.TrueAsync(async () =>
                {
                    using var change = await api.PutAsJsonAsync("/api/account/ip-allow-list",
                        new { entries, confirmLockOut = true });
                    answer = $"{(int)change.StatusCode}: {await change.Content.ReadAsStringAsync()}";
                    return change.StatusCode == HttpStatusCode.OK;
                }, TimeSpan.FromSeconds(6));
                Assert.True(changed, answer);
            }

            var took = await Task.WhenAll(Enumerable.Range(0, ScaledStackFixture.Replicas).Select(async replica =>
            {
                var refusedAfter = refused.Length == 0
                    ? TimeSpan.Zero
                    : await UntilAsync(replica, refused, token, HttpStatusCode.Forbidden);
                var admittedAfter = await UntilAsync(replica, admitted, token, HttpStatusCode.OK);
                return refusedAfter > admittedAfter ? refusedAfter : admittedAfter;
            }));
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"[{string.Join(", ", entries)}] set through gateway {via + 1}: enforced by gateway 1 after " +
                $"{took[0].TotalMilliseconds:F0} ms, by gateway 2 after {took[1].TotalMilliseconds:F0} ms"));
        }
    }

    [Fact]
    public async Task An_address_has_one_rate_limit_at_both_gateways()
    {
        const int sent = ScaledStackFixture.AnonymousLimit + 40;
        using var first = SourceAddressClient.Create("127.0.0.77", stack.GatewayAt(0));
        using var second = SourceAddressClient.Create("127.0.0.77", stack.GatewayAt(1));
        var answers = new ConcurrentBag<(int Replica, HttpStatusCode Status)>();
        // Twenty at a time, alternating between the gateways.
        using var gate = new SemaphoreSlim(20);
        await Task.WhenAll(Enumerable.Range(0, sent).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                using var response = await (i % 2 == 0 ? first : second)
                    .GetAsync(new Uri("/api/countries", UriKind.Relative));
                answers.Add((i % 2, response.StatusCode));
            }
            finally
            {
                gate.Release();
            }
        }));

        var admitted = answers.Count(a => a.Status == HttpStatusCode.OK);
        var limited = answers.Count(a => a.Status == HttpStatusCode.TooManyRequests);
        output.WriteLine($"{sent} requests from one address over both gateways: {admitted} admitted " +
            $"(gateway 1: {answers.Count(a => a is (0, HttpStatusCode.OK))}, gateway 2: " +
            $"{answers.Count(a => a is (1, HttpStatusCode.OK))}), {limited} refused");
        Assert.Equal(ScaledStackFixture.AnonymousLimit, admitted);
        Assert.Equal(sent - ScaledStackFixture.AnonymousLimit, limited);
        // Once the address's budget is spent, each gateway refuses it; another address has its own.
        for (var replica = 0; replica < ScaledStackFixture.Replicas; replica++)
        {
            using var again = await (replica == 0 ? first : second)
                .GetAsync(new Uri("/api/countries", UriKind.Relative));
            await Expect.StatusAsync(HttpStatusCode.TooManyRequests, again);
            using var other = SourceAddressClient.Create("127.0.0.78", stack.GatewayAt(replica));
            using var fresh = await other.GetAsync(new Uri("/api/countries", UriKind.Relative));
            await Expect.StatusAsync(HttpStatusCode.OK, fresh);
        }
    }

    // Sends the keyed request through both clients at once and repeats a 409 (the other try holds the key) until each
    // has the stored answer; both answers are returned.
    private async Task<JsonElement[]> BothAsync(
        HttpClient one, HttpClient other, HttpMethod method, string path, object body, string key,
        HttpStatusCode expected)
    {
        return await Task.WhenAll(new[] { one, other }.Select(async client =>
        {
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                using var request = new HttpRequestMessage(method, path)
                {
                    Content = JsonContent.Create(body),
                    Headers = { { "Idempotency-Key", key } },
                };
                using var response = await client.SendAsync(request);
                var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (response.StatusCode == HttpStatusCode.Conflict && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(100);
                    continue;
                }

                Assert.True(
                    response.StatusCode == expected,
                    $"{method} {path}: {(int)response.StatusCode} {answer}" +
                    ((int)response.StatusCode >= 500 ? await ErrorLogsAsync() : string.Empty));
                return answer;
            }
        }));
    }

    private async Task<HttpStatusCode> SecurityStatusAsync(int replica, string from, string token)
    {
        using var api = SourceAddressClient.Create(from, stack.GatewayAt(replica), token);
        using var response = await api.GetAsync(new Uri("/api/account/security", UriKind.Relative));
        return response.StatusCode;
    }

    // Polls the gateway replica from the address until it answers expected; fails after 5 s.
    private async Task<TimeSpan> UntilAsync(int replica, string from, string token, HttpStatusCode expected)
    {
        var watch = Stopwatch.StartNew();
        HttpStatusCode last;
        do
        {
            last = await SecurityStatusAsync(replica, from, token);
            if (last == expected)
            {
                return watch.Elapsed;
            }

            await Task.Delay(50);
        }
        while (watch.Elapsed < TimeSpan.FromSeconds(5));

        Assert.Fail($"gateway {replica + 1}: {from} still got {(int)last} after 5 s, expected {(int)expected}");
        return watch.Elapsed;
    }

    // The mails to address by notification type, once those expected have arrived and two more seconds brought no
    // other: each expected type exactly as often as expected, and no message delivered twice (one Message-Id each).
    private static async Task<List<JsonElement>> MailsSettledAsync(
        HttpClient mail, string address, IReadOnlyDictionary<string, int> expected)
    {
        async Task<List<JsonElement>> ListAsync() =>
            [.. (await mail.GetFromJsonAsync<JsonElement>($"/api/messages?to={Uri.EscapeDataString(address)}"))
                .EnumerateArray()];
        int CountOf(List<JsonElement> mails, string type) => mails.Count(m => TypeOf(m) == type);
        await Eventually.TrueAsync(async () =>
        {
            var mails = await ListAsync();
            return expected.All(e => CountOf(mails, e.Key) >= e.Value);
        }, TimeSpan.FromSeconds(60));
        await Task.Delay(TimeSpan.FromSeconds(2));
        var settled = await ListAsync();
        foreach (var (type, count) in expected)
        {
            Assert.True(CountOf(settled, type) == count,
                $"{CountOf(settled, type)} {type} mails to {address}, expected {count}: {Describe(settled)}");
        }

        var ids = settled.Select(m => m.GetProperty("messageId").GetString()).ToList();
        Assert.DoesNotContain(null, ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        return settled;
    }

    private static string? TypeOf(JsonElement mail) =>
        mail.GetProperty("headers").TryGetProperty("X-Introserv-Notification", out var type) ? type.GetString() : null;

    private static string Describe(List<JsonElement> mails) =>
        string.Join(", ", mails.GroupBy(TypeOf).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}"));

    // The errors both gateways and every replica of Orders and Profile logged, with the lines that follow each (the
    // exception), so a failed answer shows its cause.
    private async Task<string> ErrorLogsAsync()
    {
        var report = new StringBuilder();
        foreach (var service in stack.Gateways.Append(ResourceNames.Orders).Append(ResourceNames.Profile))
        {
            foreach (var instance in await stack.InstancesOfAsync(service))
            {
                var lines = await LogLinesAsync(instance);
                for (var i = 0; i < lines.Count; i++)
                {
                    if (lines[i].Contains("fail:", StringComparison.Ordinal)
                        || lines[i].Contains("crit:", StringComparison.Ordinal))
                    {
                        report.AppendLine().Append(instance).Append(": ")
                            .AppendJoin(Environment.NewLine, lines.Skip(i).Take(30));
                    }
                }
            }
        }

        return report.Length == 0 ? " (no errors in the gateway's or Orders' logs)" : report.ToString();
    }

    private async Task<List<string>> LogLinesAsync(string instance)
    {
        var lines = new List<string>();
        var logs = stack.App.Services.GetRequiredService<ResourceLoggerService>();
        await foreach (var batch in logs.GetAllAsync(instance))
        {
            lines.AddRange(batch.Select(l => l.Content));
        }

        return lines;
    }

    [GeneratedRegex(@"Order lifecycle pass ran from (?<from>\S+) to (?<to>\S+)")]
    private static partial Regex PassLine();
}
