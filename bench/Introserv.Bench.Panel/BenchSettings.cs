using System.Globalization;

namespace Introserv.Bench.Panel;

internal enum Mix
{
    // The panel's mix of page loads, order actions and sign-ins (PanelMix).
    Panel,

    // Only orders placed and paid from the balance, then a burst, with the asynchronous work each leaves behind
    // (events, mails) measured until it is done.
    Orders,
}

// The command line: <gateway-url> [--seconds 30] [--rates "200 500 1000"] [--customers 50] [--warmup 10]
// [--clk-tck 100] (clock ticks per second of /proc's CPU times: getconf CLK_TCK) [--mix panel|orders]
// [--burst 100] (orders: that many orders at once after the rates) [--postgres "<connection string>"] (orders: the
// local server, without a database, to watch the Orders outbox and the Notifications mail queue drain).
internal sealed record BenchSettings(
    Uri Gateway, TimeSpan Duration, IReadOnlyList<int> Rates, int Customers, TimeSpan WarmUp, int ClockTicks)
{
    public Mix Mix { get; init; } = Mix.Panel;

    public int Burst { get; init; }

    public string? Postgres { get; init; }

    // Access tokens live at most 10 minutes and are renewed between steps: a step must end before they expire.
    public const int MaxSeconds = 480;

    public const string Usage =
        "usage: Introserv.Bench.Panel <gateway-url> [--seconds 30 (at most 480)] [--rates \"200 500 1000\"] " +
        "[--customers 50] [--warmup 10] [--clk-tck 100] [--mix panel|orders] [--burst 100] " +
        "[--postgres \"<connection string>\"]";

    public static BenchSettings? Parse(string[] args)
    {
        if (args.Length == 0 || args.Length % 2 == 0 || !Uri.TryCreate(args[0], UriKind.Absolute, out var gateway))
        {
            return null;
        }

        var options = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i < args.Length; i += 2)
        {
            options[args[i]] = args[i + 1];
        }

        var rates = options.GetValueOrDefault("--rates", "200 500 1000")
            .Split([' ', ','], StringSplitOptions.RemoveEmptyEntries)
            .Select(r => Number(r) ?? 0)
            .ToList();
        var seconds = Number(options.GetValueOrDefault("--seconds", "30"));
        var customers = Number(options.GetValueOrDefault("--customers", "50"));
        var warmUp = Number(options.GetValueOrDefault("--warmup", "10"));
        var ticks = Number(options.GetValueOrDefault("--clk-tck", "100"));
        var burst = Number(options.GetValueOrDefault("--burst", "0"));
        var mix = options.GetValueOrDefault("--mix", "panel") switch
        {
            "panel" => Mix.Panel,
            "orders" => Mix.Orders,
            _ => (Mix?)null,
        };
        var known = options.Keys.All(k => k is "--rates" or "--seconds" or "--customers" or "--warmup" or "--clk-tck"
            or "--mix" or "--burst" or "--postgres");
        return known && mix is not null && rates.Count > 0 && rates.All(r => r > 0)
            && seconds is > 0 and <= MaxSeconds && customers > 0 && warmUp >= 0 && ticks > 0 && burst >= 0
            ? new BenchSettings(gateway, TimeSpan.FromSeconds(seconds.Value), rates, customers.Value,
                TimeSpan.FromSeconds(warmUp.Value), ticks.Value)
            {
                Mix = mix.Value,
                Burst = burst.Value,
                Postgres = options.GetValueOrDefault("--postgres"),
            }
            : null;
    }

    private static int? Number(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
}
