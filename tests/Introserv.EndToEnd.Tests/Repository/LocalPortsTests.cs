using System.Globalization;
using System.Text.RegularExpressions;

namespace Introserv.EndToEnd.Tests.Repository;

// Every fixed local address a project names (launch profiles, Kestrel endpoints) is its own: two projects on one port
// make local runs send one resource's traffic to the other (the gateway then meets a service that is not there).
public sealed partial class LocalPortsTests
{
    private static readonly string[] Roots = ["AppHost", "services", "gateway", "panel"];

    [Fact]
    public void No_two_projects_name_the_same_local_port()
    {
        var uses = Roots.Select(root => Path.Combine(LocalInfra.RepositoryRoot, root))
            .Where(Directory.Exists)
            .SelectMany(root => Directory.EnumerateFiles(root, "*.json", SearchOption.AllDirectories))
            .Where(path => Path.GetFileName(path) is "launchSettings.json" or "appsettings.json"
                or "appsettings.Development.json")
            .Where(path => !path.Split(Path.DirectorySeparatorChar).Any(s => s is "bin" or "obj"))
            .SelectMany(path => LocalUrl().Matches(File.ReadAllText(path))
                .Select(match => (Port: int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture),
                    Project: Path.GetRelativePath(LocalInfra.RepositoryRoot, path).Split(Path.DirectorySeparatorChar)
                        .TakeWhile(s => s is not "Properties" && !s.EndsWith(".json", StringComparison.Ordinal))
                        .Last())))
            .Distinct()
            .ToList();

        Assert.Contains(uses, use => use.Port == 5080);
        var shared = uses.GroupBy(use => use.Port)
            .Where(port => port.Select(use => use.Project).Distinct().Count() > 1)
            .Select(port => $"{port.Key}: {string.Join(", ", port.Select(use => use.Project).Distinct())}")
            .ToList();
        Assert.Empty(shared);
    }

    // "applicationUrl": "http://localhost:5080" and "Url": "http://localhost:5141" alike.
    [GeneratedRegex(@"""(?:applicationUrl|Url)""\s*:\s*""https?://(?:localhost|127\.0\.0\.1):(\d+)")]
    private static partial Regex LocalUrl();
}
