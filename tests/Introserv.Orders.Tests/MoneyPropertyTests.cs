using CsCheck;
using Introserv.Orders.Domain;
using Xunit.Abstractions;

namespace Introserv.Orders.Tests;

public enum StepKind
{
    Place,
    Renew,
    ChangePlan,
    CancelNow,
    CancelAtEnd,
    Withdraw,
    PayInvoice,
    TopUp,
    Advance,
}

// One customer action or a move of the clock: which order (slot), which plan, which period, how many days.
public sealed record MoneyStep(StepKind Kind, int Slot, int Plan, int Months, int Days, bool AutoRenew)
{
    public override string ToString() =>
        $"{Kind}(slot {Slot}, {PlanCatalogue.Plans[Plan].Id}, {Months} mo, {Days} d{(AutoRenew ? ", auto" : "")})";
}

// Random sequences of orders, renewals, plan changes, cancellations, payments, top-ups and days passing (with the
// lifecycle job run after each), on random plans and periods, through the service's HTTP API over real PostgreSQL.
// After every step MoneyInvariants holds. CsCheck reports the seed of a failure (CsCheck_Seed repeats it).
public sealed class MoneyPropertyTests(OrdersServiceFactory factory, ITestOutputHelper output)
    : IClassFixture<OrdersServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static readonly int[] Periods = [1, 3, 6, 12];
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, int> _seen =
        new(StringComparer.Ordinal);

    // What the run exercised (printed at the end), so a run that reaches too little shows it.
    private void Count(string what) => _seen.AddOrUpdate(what, 1, (_, n) => n + 1);

    private static string? Code(JsonElement body) =>
        body.TryGetProperty("code", out var code) ? code.GetString() : null;

    private static readonly Gen<MoneyStep> StepGen = Gen.Select(
        Gen.Frequency((3, Gen.Const(StepKind.Place)), (2, Gen.Const(StepKind.Renew)),
            (3, Gen.Const(StepKind.ChangePlan)), (2, Gen.Const(StepKind.CancelNow)),
            (1, Gen.Const(StepKind.CancelAtEnd)), (1, Gen.Const(StepKind.Withdraw)),
            (2, Gen.Const(StepKind.PayInvoice)), (1, Gen.Const(StepKind.TopUp)),
            (3, Gen.Const(StepKind.Advance))),
        Gen.Int[0, 3], Gen.Int[0, PlanCatalogue.Plans.Length - 1], Gen.OneOf(Periods),
        Gen.OneOf(0, 1, 2, 5, 16, 33, 95), Gen.Bool,
        (kind, slot, plan, months, days, autoRenew) => new MoneyStep(kind, slot, plan, months, days, autoRenew));

    [Fact]
    public async Task No_sequence_of_steps_breaks_the_money_invariants()
    {
        // The customer's country picks the tax: none (US), BG's 20 % (domestic) or FI's 25.5 % (another EU country).
        await Gen.Select(
                Gen.Frequency((1, Gen.Const(0m)), (1, Gen.Const(60m)), (3, Gen.Const(400m)), (3, Gen.Const(3000m))),
                Gen.OneOf("US", "BG", "FI"),
                StepGen.Array[4, 12])
            .SampleAsync(RunAsync, output.WriteLine, iter: 30, threads: 1,
                print: s => $"balance {s.Item1}, {s.Item2}: {string.Join(" → ", s.Item3.Select(x => x.ToString()))}");
        output.WriteLine(string.Join(Environment.NewLine,
            _seen.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Value,5} {s.Key}")));
    }

    private async Task RunAsync(decimal balance, string country, MoneyStep[] steps)
    {
        var accountId = await factory.PayingCustomerAsync(balance, country: country);
        using var http = factory.Customer(accountId);
        var model = new MoneyInvariants(factory, accountId);
        foreach (var step in steps)
        {
            var order = model.Orders.Count == 0 ? null : model.Orders[step.Slot % model.Orders.Count];
            var bound = await ApplyAsync(http, accountId, step, order, model);
            await model.CheckAsync(step, order, bound);
        }
    }

    // Applies one step; returns, for a downgrade, the refund a cancellation would have given just before it.
    private async Task<decimal?> ApplyAsync(
        HttpClient http, Guid accountId, MoneyStep step, ModelOrder? order, MoneyInvariants model)
    {
        var plan = PlanCatalogue.Plans[step.Plan];
        switch (step.Kind)
        {
            case StepKind.Place:
                var (placed, body) = await OrdersServiceFactory.OrderAsync(http,
                    new
                    {
                        planId = plan.Id, fields = OrderForms.For(plan.Id), periodMonths = step.Months,
                        autoRenew = step.AutoRenew,
                    },
                    Guid.NewGuid().ToString());
                Answered(placed, body);
                if (placed == HttpStatusCode.Created)
                {
                    model.Orders.Add(new ModelOrder(body.GetProperty("id").GetGuid(), plan.Id));
                }

                Count($"ordered: " +
                    $"{(placed == HttpStatusCode.Created ? body.GetProperty("status").GetString() : Code(body))}");

                return null;
            case StepKind.Renew when order is not null:
                using (var renewal = new HttpRequestMessage(HttpMethod.Post, $"/api/orders/{order.Id}/renew")
                {
                    Content = JsonContent.Create(new { periodMonths = step.Months })
                })
                {
                    renewal.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
                    using var renewed = await http.SendAsync(renewal);
                    var renewedBody = await renewed.Content.ReadFromJsonAsync<JsonElement>();
                    Answered(renewed.StatusCode, renewedBody);
                    Count(
                        renewed.StatusCode == HttpStatusCode.OK ? "renewed" : $"renewal refused: {Code(renewedBody)}");
                }

                return null;
            case StepKind.ChangePlan when order is not null:
                // A change within the order's plan type (the only kind allowed), so most attempts reach the money
                // rules.
                var current = PlanCatalogue.Plans.Single(p => p.Id == order.PlanId);
                var others = PlanCatalogue.Plans.Where(p => p.Type == current.Type && p.Id != current.Id).ToList();
                plan = others[step.Plan % others.Count];
                var (_, cancelQuote) = await OrdersServiceFactory.PostAsync(http,
                    $"/api/orders/{order.Id}/cancellation/quote");
                var wouldRefund = cancelQuote.TryGetProperty("immediate", out var now)
                    ? now.GetProperty("refund").GetDecimal()
                    : 0m;
                var (quoted, quote) = await OrdersServiceFactory.PostAsync(http,
                    $"/api/orders/{order.Id}/plan-change/quote", new { planId = plan.Id });
                Answered(quoted, quote);
                if (quoted == HttpStatusCode.OK)
                {
                    var amount = quote.GetProperty("amount").GetDecimal();
                    Count(
                        $"quoted {quote.GetProperty("direction").GetString()}, " +
                        $"amount {(amount > 0 ? "> 0" : amount < 0 ? "< 0" : "0")}");
                    var (changed, changedBody) = await OrdersServiceFactory.PostAsync(http,
                        $"/api/orders/{order.Id}/plan-change",
                        new { quoteId = quote.GetProperty("quoteId").GetGuid() });
                    Answered(changed, changedBody);
                    Count(changed == HttpStatusCode.OK
                        ? $"plan change {current.Id}→{plan.Id}"
                        : $"plan change refused: {Code(changedBody)}");
                    order.PlanBefore = order.PlanId;
                    order.PlanId = changed == HttpStatusCode.OK ? plan.Id : order.PlanId;
                }

                return wouldRefund;
            case StepKind.CancelNow when order is not null:
                var (_, cancellation) = await OrdersServiceFactory.PostAsync(http,
                    $"/api/orders/{order.Id}/cancellation/quote");
                if (cancellation.TryGetProperty("immediate", out var immediate))
                {
                    var (cancelled, cancelledBody) = await OrdersServiceFactory.PostAsync(http,
                        $"/api/orders/{order.Id}/cancellation",
                        new { mode = "immediate", quoteId = immediate.GetProperty("quoteId").GetGuid() });
                    Answered(cancelled, cancelledBody);
                    Count(cancelled == HttpStatusCode.OK
                        ? $"cancelled now, refund {(immediate.GetProperty("refund").GetDecimal() > 0 ? "> 0" : "0")}"
                        : $"cancellation refused: {Code(cancelledBody)}");
                }

                return null;
            case StepKind.CancelAtEnd when order is not null:
                var (scheduled, scheduledBody) = await OrdersServiceFactory.PostAsync(http,
                    $"/api/orders/{order.Id}/cancellation", new { mode = "end_of_term" });
                Answered(scheduled, scheduledBody);
                return null;
            case StepKind.Withdraw when order is not null:
                using (var withdrawn = await http.DeleteAsync($"/api/orders/{order.Id}/cancellation"))
                {
                    Answered(withdrawn.StatusCode, await withdrawn.Content.ReadFromJsonAsync<JsonElement>());
                }

                return null;
            case StepKind.PayInvoice when order is not null:
                var unpaid = await http.GetFromJsonAsync<JsonElement>("/api/invoices?status=unpaid");
                foreach (var invoice in unpaid.GetProperty("items")
                    .EnumerateArray()
                    .Where(i => i.GetProperty("orderId").GetGuid() == order.Id)
                    .Take(1))
                {
                    var (paid, paidBody) = await OrdersServiceFactory.PostAsync(http,
                        $"/api/invoices/{invoice.GetProperty("id").GetGuid()}/pay");
                    Answered(paid, paidBody);
                    Count(paid == HttpStatusCode.OK
                        ? $"invoice paid ({invoice.GetProperty("kind").GetString()})"
                        : $"payment refused: {Code(paidBody)}");
                }

                return null;
            case StepKind.TopUp:
                await factory.CreditAsync(accountId, 150m);
                return null;
            case StepKind.Advance:
                factory.Clock.Advance(TimeSpan.FromDays(step.Days) + TimeSpan.FromMinutes(5));
                // The job's own timer may be running a pass: run one as soon as it is free.
                var pass = await Eventually.ValueAsync(
                    () => factory.Lifecycle.RunOnceAsync(CancellationToken.None), p => p.Ran);
                Assert.True(pass.Ran, "the lifecycle job did not run");

                Count($"lifecycle moved {Math.Min(pass.Changed, 1)}+ orders");

                return null;
            default:
                return null;
        }
    }

    // Every answer is a success or a problem with a code; never a server error.
    private static void Answered(HttpStatusCode status, JsonElement body) =>
        Assert.True((int)status < 300 || ((int)status < 500 && body.TryGetProperty("code", out _)),
            $"{(int)status}: {body}");
}
