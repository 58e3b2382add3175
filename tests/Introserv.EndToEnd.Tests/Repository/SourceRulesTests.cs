namespace Introserv.EndToEnd.Tests.Repository;

// The house style's checkable rules over every C# file a person edits (generated migrations and build output
// aside): lines of at most 120 characters (the text inside raw string literals, HTML and SQL, is exempt), and XML
// doc comments only in ServiceDefaults and the Contracts projects (elsewhere comments say why in plain //).
public sealed class SourceRulesTests
{
    private const int MaxLineLength = 120;

    private static readonly string[] Roots =
        ["AppHost", "ServiceDefaults", "services", "gateway", "panel", "bench", "tests"];

    private static IEnumerable<string> SourceFiles() =>
        Roots.Select(root => Path.Combine(LocalInfra.RepositoryRoot, root))
            .Where(Directory.Exists)
            .SelectMany(root => Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
            .Where(path => !Segments(path).Any(s => s is "obj" or "bin" or "Migrations" or "node_modules"))
            .Order(StringComparer.Ordinal);

    private static string[] Segments(string path) =>
        Path.GetRelativePath(LocalInfra.RepositoryRoot, path).Split(Path.DirectorySeparatorChar);

    private static string Relative(string path) => Path.GetRelativePath(LocalInfra.RepositoryRoot, path);

    [Fact]
    public void The_source_tree_is_found()
    {
        var files = SourceFiles().ToList();
        Assert.True(files.Count > 300, $"only {files.Count} source files under {LocalInfra.RepositoryRoot}");
        Assert.Contains(files, f => f.EndsWith("OrdersServiceExtensions.cs", StringComparison.Ordinal));
    }

    [Fact]
    public void No_line_is_longer_than_120_characters_outside_raw_string_literals()
    {
        var offenders = new List<string>();
        foreach (var file in SourceFiles())
        {
            var inRawString = false;
            var number = 0;
            foreach (var line in File.ReadLines(file))
            {
                number++;
                var wasInRawString = inRawString;
                // A raw string literal opens and closes with a line-ending or line-starting """.
                if (CountRawQuotes(line) % 2 == 1)
                {
                    inRawString = !inRawString;
                }

                if (!wasInRawString && line.Length > MaxLineLength)
                {
                    offenders.Add($"{Relative(file)}:{number} ({line.Length})");
                }
            }
        }

        Assert.True(
            offenders.Count == 0,
            $"{offenders.Count} lines over {MaxLineLength}: {string.Join(", ", offenders.Take(40))}");
    }

    [Fact]
    public void Xml_doc_comments_are_only_in_service_defaults_and_the_contracts()
    {
        var offenders = SourceFiles()
            .Where(file => !Segments(file)
                .Any(s => s == "ServiceDefaults" || s.EndsWith("Contracts", StringComparison.Ordinal)))
            .SelectMany(file => File.ReadLines(file)
                .Select((line, index) => (line, index))
                .Where(x => x.line.TrimStart().StartsWith("///", StringComparison.Ordinal))
                .Select(x => $"{Relative(file)}:{x.index + 1}"))
            .ToList();
        Assert.True(offenders.Count == 0, $"{offenders.Count} XML doc lines: {string.Join(", ", offenders.Take(40))}");
    }

    [Theory]
    [InlineData("    var sql = $\"\"\"", 1)]
    [InlineData("        \"\"\";", 1)]
    [InlineData("    var s = \"\"\"one line\"\"\";", 2)]
    [InlineData("    var s = \"text\";", 0)]
    public void Raw_string_delimiters_are_counted(string line, int expected) =>
        Assert.Equal(expected, CountRawQuotes(line));

    private static int CountRawQuotes(string line)
    {
        var count = 0;
        for (var i = line.IndexOf("\"\"\"", StringComparison.Ordinal); i >= 0;
            i = line.IndexOf("\"\"\"", i + 3, StringComparison.Ordinal))
        {
            count++;
            while (i + 3 < line.Length && line[i + 3] == '"')
            {
                i++;
            }
        }

        return count;
    }
}
