using Introserv.Panel.Api;

namespace Introserv.Panel.Tests;

// Every problem code the gateway's document names (the code enums of its problem answers) is a sentence in the panel.
public sealed class ProblemTextTests
{
    [Fact]
    public void Every_problem_code_of_the_gateways_document_has_a_sentence()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(
            Path.Combine(LocalInfra.RepositoryRoot, "panel", "openapi", "gateway.v1.json")));
        var codes = new SortedSet<string>(StringComparer.Ordinal);
        Collect(document.RootElement, codes);

        // The walk finds the codes: the common ones and some of each service.
        Assert.Contains("validation_failed", codes);
        Assert.Contains("insufficient_balance", codes);
        Assert.Contains("profile_version_mismatch", codes);
        Assert.DoesNotContain(codes, code => !ProblemText.Sentences.ContainsKey(code));
    }

    [Fact]
    public void An_unknown_code_shows_the_answers_detail_or_a_general_sentence()
    {
        Assert.Equal("Your balance is too low for this. Top up your balance first.",
            ProblemText.For("insufficient_balance", "Balance 3.00 EUR, needed 9.00 EUR."));
        Assert.Equal("The detail of the answer.", ProblemText.For("something_new", "The detail of the answer."));
        Assert.Equal(ProblemText.Sentences["unexpected"], ProblemText.For("something_new", null));
        Assert.Equal(ProblemText.Sentences["unexpected"], ProblemText.For(null, " "));
    }

    // Objects whose "properties" have a "code" with an "enum": the problem schemas of every operation.
    private static void Collect(JsonElement element, ISet<string> codes)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                if (element.TryGetProperty("properties", out var properties)
                    && properties.ValueKind == JsonValueKind.Object
                    && properties.TryGetProperty("code", out var code)
                    && code.ValueKind == JsonValueKind.Object
                    && code.TryGetProperty("enum", out var values))
                {
                    foreach (var value in values.EnumerateArray())
                    {
                        if (value.ValueKind == JsonValueKind.String)
                        {
                            codes.Add(value.GetString()!);
                        }
                    }
                }

                foreach (var property in element.EnumerateObject())
                {
                    Collect(property.Value, codes);
                }

                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    Collect(item, codes);
                }

                break;
        }
    }
}
