using System.Globalization;

namespace Introserv.Bench.Panel;

// The command line: <gateway-url> [--seconds 30] [--rates "200 500 1000"] [--customers 50] [--warmup 10]
// [--clk-tck 100] (clock ticks per second of /proc's CPU times: getconf CLK_TCK).
internal sealed record BenchSettings(
    Uri Gateway, TimeSpan Duration, IReadOnlyList<int> Rates, int Customers, TimeSpan WarmUp, int ClockTicks)
{
    // Access tokens live at most 10 minutes and are renewed between steps: a step must end before they expire.
    public const int MaxSeconds = 480;

    public const string Usage =
        "usage: Introserv.Bench.Panel <gateway-url> [--seconds 30 (at most 480)] [--rates \"200 500 1000\"] " +
        "[--customers 50] [--warmup 10] [--clk-tck 100]";

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
        var known = options.Keys.All(k => k is "--rates" or "--seconds" or "--customers" or "--warmup" or "--clk-tck");
        return known && rates.Count > 0 && rates.All(r => r > 0)
            && seconds is > 0 and <= MaxSeconds && customers > 0 && warmUp >= 0 && ticks > 0
            ? new BenchSettings(gateway, TimeSpan.FromSeconds(seconds.Value), rates, customers.Value,
                TimeSpan.FromSeconds(warmUp.Value), ticks.Value)
            : null;
    }

    private static int? Number(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : null;
}
