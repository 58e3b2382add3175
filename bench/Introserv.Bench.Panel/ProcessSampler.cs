using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Introserv.Bench.Panel;

internal sealed record ProcessReading(string Group, long Ticks, long RssKiB, long PssKiB);

internal sealed record GroupUsage(string Name, double CpuMilliseconds, long RssKiB, long PssKiB, int Processes);

// CPU time and memory of the stack's processes from /proc, found by their command lines: each service's own
// executable (not the 'dotnet run' that launched it, nor a test host named after a service), the local servers,
// Aspire's orchestrator (its endpoint proxy carries every request from the gateway to a service), the development mail
// catcher (every order sends mail) and this generator, which shares the machine.
internal static partial class ProcessSampler
{
    public const string Generator = "load generator (this process)";

    public const string Postgres = "postgres (all its processes)";

    // The groups in table order, by what the command line names.
    private static readonly (string Key, string Name)[] Names =
    [
        ("Introserv.Gateway", "Introserv.Gateway"),
        ("Introserv.Identity", "Introserv.Identity"),
        ("Introserv.Profile", "Introserv.Profile"),
        ("Introserv.Orders", "Introserv.Orders"),
        ("Introserv.Notifications", "Introserv.Notifications"),
        ("Introserv.Verification", "Introserv.Verification"),
        ("Introserv.Notifications.DevMail", "mail-dev (DevMail)"),
        ("dcp", "Aspire dcp (proxy)"),
        ("postgres", Postgres),
        ("redis-server", "redis-server"),
        ("beam.smp", "beam.smp (RabbitMQ)"),
        (Generator, Generator),
    ];

    public static IEnumerable<string> Groups => Names.Select(n => n.Name);

    public static Dictionary<int, ProcessReading> Read()
    {
        var readings = new Dictionary<int, ProcessReading>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(directory);
            if (!int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var group = pid == Environment.ProcessId
                    ? Generator
                    : GroupOf(File.ReadAllBytes($"{directory}/cmdline"));
                if (group is not null)
                {
                    readings[pid] = new ProcessReading(group, TicksOf(File.ReadAllText($"{directory}/stat")),
                        KiB($"{directory}/status", "VmRSS:"), KiB($"{directory}/smaps_rollup", "Pss:"));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended while it was being read.
            }
        }

        return readings;
    }

    // CPU used between the readings (a process that started in between counts whole; one that ended is lost) and
    // memory at the second.
    public static IReadOnlyList<GroupUsage> Between(
        Dictionary<int, ProcessReading> before, Dictionary<int, ProcessReading> after, int clockTicks) =>
    [
        .. Groups.Select(group =>
        {
            var processes = after.Where(p => p.Value.Group == group).ToList();
            var ticks = processes.Sum(p => p.Value.Ticks
                - (before.TryGetValue(p.Key, out var earlier) && earlier.Group == group ? earlier.Ticks : 0));
            return new GroupUsage(group, ticks * 1000.0 / clockTicks, processes.Sum(p => p.Value.RssKiB),
                processes.Sum(p => p.Value.PssKiB), processes.Count);
        }),
    ];

    private static string? GroupOf(byte[] commandLine)
    {
        var text = Encoding.UTF8.GetString(commandLine).Replace('\0', ' ');
        var match = Process().Match(text);
        if (!match.Success)
        {
            return null;
        }

        var key = match.Groups["name"].Value;
        return Names.First(n => n.Key == (key.StartsWith("dcp", StringComparison.Ordinal) ? "dcp" : key)).Name;
    }

    // The fields after the command name (which may hold spaces and parentheses): utime and stime are the 12th and
    // 13th.
    private static long TicksOf(string stat)
    {
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return long.Parse(fields[11], CultureInfo.InvariantCulture)
            + long.Parse(fields[12], CultureInfo.InvariantCulture);
    }

    private static long KiB(string path, string field)
    {
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    return long.Parse(line[field.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Gone, or not readable by this user (smaps_rollup of another user's process): counted as 0.
        }

        return 0;
    }

    // A name that ends the program path or the dll (the services run as their apphost or 'dotnet X.dll'); postgres
    // backends rename themselves "postgres: <user> <database> ...".
    [GeneratedRegex(@"(?:^|/)(?<name>Introserv\.(?:Gateway|Identity|Profile|Orders|Notifications(?:\.DevMail)?" +
        @"|Verification)|postgres|redis-server|beam\.smp|dcp(?:ctrl|proc)?)(?:\.dll)?(?::|\s|$)")]
    private static partial Regex Process();
}
