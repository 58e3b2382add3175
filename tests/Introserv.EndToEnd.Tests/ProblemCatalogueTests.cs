using System.Globalization;
using System.Reflection;
using System.Text;
using Introserv.Identity.Features;
using Introserv.Notifications.Features;
using Introserv.Orders.Features.Common;
using Introserv.Profile.Features;

namespace Introserv.EndToEnd.Tests;

// The error catalogues: one code means one status everywhere, and the README's list of codes is generated from
// them (run with UPDATE_README=1 to rewrite it after changing a catalogue).
public sealed class ProblemCatalogueTests
{
    private const string Start =
        "<!-- problem-codes:start (generated from the catalogues by ProblemCatalogueTests) -->";
    private const string End = "<!-- problem-codes:end -->";

    private static readonly (string Service, Type Catalogue)[] Catalogues =
    [
        ("every service", typeof(CommonProblems)),
        ("identity", typeof(IdentityProblems)),
        ("profile", typeof(ProfileProblems)),
        ("orders", typeof(OrdersProblems)),
        ("notifications", typeof(NotificationsProblems)),
        ("verification", typeof(Introserv.Verification.Problems)),
        ("gateway", typeof(Introserv.Gateway.GatewayProblems)),
    ];

    private static IEnumerable<ProblemType> Entries(Type catalogue) =>
        catalogue.GetMembers(BindingFlags.Public | BindingFlags.Static)
            .Select(member => member switch
            {
                FieldInfo field => field.GetValue(null),
                PropertyInfo property when property.GetIndexParameters().Length == 0 => property.GetValue(null),
                _ => null,
            })
            .SelectMany(value => value switch
            {
                ProblemType type => [type],
                IEnumerable<ProblemType> types => types,
                _ => [],
            })
            .DistinctBy(p => p.Code);

    [Fact]
    public void A_code_has_one_status_and_one_title_across_every_catalogue()
    {
        var all = Catalogues.SelectMany(c => Entries(c.Catalogue)).ToList();

        Assert.All(all.GroupBy(p => p.Code), group => Assert.Single(group.Select(p => p.Status).Distinct()));
        Assert.All(all, p => Assert.Matches("^[a-z][a-z0-9_]*$", p.Code));
        Assert.All(all, p => Assert.InRange(p.Status, 400, 599));
        Assert.Contains(all, p => p.Code == "order_not_found");
    }

    [Fact]
    public void Every_refusal_of_a_phone_challenge_that_Verification_can_give_is_in_Profiles_catalogue()
    {
        // Profile passes Verification's refusals of the customer's phone challenge on with their code; one it does
        // not list would reach the customer undeclared (and the code above proves the statuses agree).
        var profile = Entries(typeof(ProfileProblems)).Select(p => p.Code).ToHashSet(StringComparer.Ordinal);
        var verification = Introserv.Verification.Problems.Start
            .Concat(Introserv.Verification.Problems.Resend)
            .Concat(Introserv.Verification.Problems.Confirm)
            .Select(p => p.Code).Distinct();

        var missing = verification.Where(code => !profile.Contains(code)).ToList();
        Assert.True(missing.Count == 0, $"not in Profile's catalogue: {string.Join(", ", missing)}");
    }

    [Fact]
    public void Every_error_code_the_readme_names_is_in_a_catalogue()
    {
        // "`404 order_not_found`", "404 `order_not_found`": prose that names a status and a code.
        var readme = File.ReadAllText(Path.Combine(LocalInfra.RepositoryRoot, "README.md"));
        var named = System.Text.RegularExpressions.Regex
            .Matches(readme, @"`[1-5]\d\d ([a-z][a-z0-9_]+)`|\b[1-5]\d\d `([a-z][a-z0-9_]+)`")
            .Select(m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value)
            .ToHashSet(StringComparer.Ordinal);
        var catalogued = Catalogues.SelectMany(c => Entries(c.Catalogue))
            .Select(p => p.Code)
            .ToHashSet(StringComparer.Ordinal);

        Assert.Contains("precondition_required", named);
        var unknown = named.Where(code => !catalogued.Contains(code)).Order(StringComparer.Ordinal).ToList();
        Assert.True(unknown.Count == 0, $"README names codes no catalogue has: {string.Join(", ", unknown)}");
    }

    [Fact]
    public void The_readme_lists_every_code_of_every_catalogue()
    {
        var table = new StringBuilder()
            .AppendLine(Start)
            .AppendLine("| service | status | code | title |")
            .AppendLine("|---|---|---|---|");
        foreach (var (service, catalogue) in Catalogues)
        {
            foreach (var problem in Entries(catalogue)
                .OrderBy(p => p.Status)
                .ThenBy(p => p.Code, StringComparer.Ordinal))
            {
                table.AppendLine(CultureInfo.InvariantCulture,
                    $"| {service} | {problem.Status} | `{problem.Code}` | {problem.Title} |");
            }
        }

        table.Append(End);
        var path = Path.Combine(LocalInfra.RepositoryRoot, "README.md");
        var readme = File.ReadAllText(path);
        var start = readme.IndexOf(Start, StringComparison.Ordinal);
        var end = readme.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "README.md has no generated list of problem codes");
        var current = readme[start..(end + End.Length)];
        if (Environment.GetEnvironmentVariable("UPDATE_README") == "1")
        {
            File.WriteAllText(path, readme.Replace(current, table.ToString(), StringComparison.Ordinal));
            return;
        }

        Assert.Equal(table.ToString(), current);
    }
}
