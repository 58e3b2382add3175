using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Introserv.Notifications.Webhooks;

namespace Introserv.Notifications.Tests;

// The README's event catalogue is generated from WebhookCatalogue with the examples of WebhookExamples: this test fails
// when they drift apart (run with UPDATE_README=1 to rewrite it after changing the catalogue or an event).
public sealed class WebhookCatalogueTests
{
    private const string Start =
        "<!-- webhook-events:start (generated from WebhookCatalogue by WebhookCatalogueTests) -->";
    private const string End = "<!-- webhook-events:end -->";

    [Fact]
    public void Every_event_type_has_one_example_and_a_unique_name()
    {
        var examples = WebhookExamples.All();
        Assert.Equal(WebhookCatalogue.Types.Count, examples.Count);
        Assert.Equal(WebhookCatalogue.Types.Count, WebhookCatalogue.Types.Select(t => t.Name).Distinct().Count());
        Assert.All(WebhookCatalogue.Types, t => Assert.Single(examples, e => e.GetType() == t.EventType));
    }

    [Fact]
    public void The_readme_lists_every_event_type_with_an_example_payload()
    {
        var examples = WebhookExamples.All();
        var text = new StringBuilder(Start).AppendLine().AppendLine();
        text.Append("Ordering key: the order's id for `order.*`, `invoice.*` and `refund.*`; ")
            .AppendLine("the account's id for the rest.").AppendLine();
        foreach (var type in WebhookCatalogue.Types.OrderBy(t => t.Name, StringComparer.Ordinal))
        {
            var payload = JsonNode.Parse(type.Payload(examples.Single(e => e.GetType() == type.EventType)))!;
            text.AppendLine(CultureInfo.InvariantCulture, $"- **`{type.Name}`**: {type.Description}")
                .AppendLine()
                .AppendLine("  ```json");
            foreach (var line in payload.ToJsonString(new JsonSerializerOptions { WriteIndented = true }).Split('\n'))
            {
                text.Append("  ").AppendLine(line);
            }

            text.AppendLine("  ```").AppendLine();
        }

        text.Append(End);
        var path = Path.Combine(LocalInfra.RepositoryRoot, "README.md");
        var readme = File.ReadAllText(path);
        var start = readme.IndexOf(Start, StringComparison.Ordinal);
        var end = readme.IndexOf(End, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "README.md has no generated webhook event catalogue");
        var current = readme[start..(end + End.Length)];
        if (Environment.GetEnvironmentVariable("UPDATE_README") == "1")
        {
            File.WriteAllText(path, readme.Replace(current, text.ToString(), StringComparison.Ordinal));
            return;
        }

        Assert.Equal(text.ToString(), current);
    }
}
