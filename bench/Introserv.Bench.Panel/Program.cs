// Whole-panel load benchmark, run by bench/panel.sh against the stack it starts. Customers sign in by code + PKCE,
// load the profile, security, orders, balance and notification pages, and place, renew and cancel orders, at fixed
// arrival rates (open loop: see OpenLoop). For each rate it prints p50 and p99 per endpoint, the errors, and each
// process's CPU per request and memory. Targets at 1,000 requests/s: reads p99 <= 50 ms, writes p99 <= 150 ms,
// no errors. Usage: see BenchSettings.
using System.Diagnostics;
using System.Globalization;
using Introserv.Bench.Panel;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (BenchSettings.Parse(args) is not { } settings)
{
    await Console.Error.WriteLineAsync(BenchSettings.Usage);
    return 2;
}

// Requests overlap freely: enough connections that the pool never holds one back (that wait would be the
// generator's, not the stack's).
using var sockets = new SocketsHttpHandler
{
    MaxConnectionsPerServer = 4096,
    PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
    ConnectTimeout = TimeSpan.FromSeconds(5),
    UseCookies = false,
    AllowAutoRedirect = false,
};
using var counting = new CountingHandler(sockets);
using var http = new HttpClient(counting) { BaseAddress = settings.Gateway, Timeout = TimeSpan.FromSeconds(30) };

Console.WriteLine($"setting up {settings.Customers} customers through {settings.Gateway} ...");
var setup = Stopwatch.StartNew();
var setUpAt = DateTimeOffset.UtcNow;
// The panel mix holds at most PanelMix.MaxOrders orders per customer; the orders mix keeps every order it places
// until the end, so the pool must hold them all (the benchmark adds addresses when it does not).
var addresses = settings.Mix == Mix.Orders
    ? settings.Rates.Sum(r => (int)(r * settings.Duration.TotalSeconds))
        + (int)(settings.Rates.Min() * settings.WarmUp.TotalSeconds) + settings.Burst
    : settings.Customers * PanelMix.MaxOrders;
var customers = await Accounts.CreateAsync(http, settings.Customers, addresses, settings.Mix == Mix.Orders);
Console.WriteLine($"{customers.Count} customers registered, signed in, profiles completed and balances credited " +
    $"in {setup.Elapsed.TotalSeconds:F0} s");
var panel = new PanelMix(http, customers, settings.Mix);
var backlog = settings.Mix == Mix.Orders && settings.Postgres is { } postgres
    ? new Backlog(postgres, [.. customers.Select(c => c.AccountId)])
    : null;
Console.WriteLine($"mix: {panel.Describe()}");
Console.WriteLine($"{Environment.ProcessorCount} cores; {settings.Duration.TotalSeconds:0} s per rate: " +
    string.Join(", ", settings.Rates.Select(r => $"{r:N0}")) + " requests/s");

if (settings.WarmUp > TimeSpan.Zero)
{
    // JIT tiers, connection pools and database caches warm up before anything is measured.
    var rate = settings.Rates.Min();
    Console.WriteLine($"warming up at {rate:N0} requests/s for {settings.WarmUp.TotalSeconds:0} s ...");
    var unmeasured = new Recorder();
    // From the set-up's start, and every mail of the benchmark's customers.
    var mark = (LastMail: 0L, At: setUpAt);
    await OpenLoop.RunAsync(rate, settings.WarmUp, start => panel.RunOneAsync(unmeasured, start));
    if (backlog is not null)
    {
        // The set-up's and the warm-up's mails and events are done before anything is measured.
        await backlog.WaitAsync(mark, Stopwatch.GetTimestamp(), TimeSpan.FromMinutes(5));
    }
}

var steps = new List<StepResult>();
foreach (var rate in settings.Rates)
{
    await Accounts.RenewTokensAsync(http, customers, settings.Duration + TimeSpan.FromMinutes(1));
    var step = await StepResult.MeasureAsync(rate, settings.Duration, settings.ClockTicks, panel, backlog);
    Report.Step(step);
    steps.Add(step);
}

if (settings.Mix == Mix.Orders && settings.Burst > 0)
{
    // The orders all arrive within a tenth of a second; what matters is how long the mails they cause take.
    await Accounts.RenewTokensAsync(http, customers, TimeSpan.FromMinutes(2));
    Report.Step(await StepResult.MeasureAsync(settings.Burst * 10, TimeSpan.FromMilliseconds(100),
        settings.ClockTicks, panel, backlog, $"a burst of {settings.Burst:N0} orders at once"));
}

// Every order placed here is cancelled, so the address pool is left as it was found.
await Accounts.RenewTokensAsync(http, customers, TimeSpan.FromMinutes(2));
if (await panel.CancelAllAsync() is > 0 and var failed)
{
    await Console.Error.WriteLineAsync($"warning: {failed} of the benchmark's orders could not be cancelled");
}

if (settings.Mix == Mix.Panel)
{
    Report.Summary(steps);
}
return 0;
