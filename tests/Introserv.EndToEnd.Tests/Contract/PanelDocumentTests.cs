using System.Text.Json.Nodes;

namespace Introserv.EndToEnd.Tests.Contract;

// The reference panel's gateway client is generated at build time from panel/openapi/gateway.v1.json: that copy must
// be the document the running gateway serves, or the panel would be built against an API that is not there. Run with
// UPDATE_OPENAPI=1 to rewrite the copy after changing an endpoint (the panel's build then shows what it breaks).
[Collection(StackDefinition.Name)]
public sealed class PanelDocumentTests(StackFixture stack)
{
    public static string CopyPath => Path.Combine(LocalInfra.RepositoryRoot, "panel", "openapi", "gateway.v1.json");

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    [Fact]
    public async Task The_panels_copy_of_the_gateway_document_is_what_the_gateway_serves()
    {
        using var http = stack.CreateGatewayClient();
        // The gateway combines the services' documents; a service still starting is left out for a few seconds.
        JsonObject? document = null;
        Assert.True(await Eventually.TrueAsync(async () =>
        {
            document = JsonNode.Parse(await http.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)))!
                .AsObject();
            return document["info"]?["description"]?.GetValue<string>()
                .Contains("Currently unavailable", StringComparison.Ordinal) == false;
        }, TimeSpan.FromSeconds(60)), "the gateway's document still misses a service");
        // Where this run's gateway listens is no part of the API.
        document!.Remove("servers");
        var served = document.ToJsonString(Indented).ReplaceLineEndings("\n") + "\n";

        if (Environment.GetEnvironmentVariable("UPDATE_OPENAPI") == "1")
        {
            await File.WriteAllTextAsync(CopyPath, served);
            return;
        }

        Assert.True(File.Exists(CopyPath), $"{CopyPath} is missing");
        var copy = (await File.ReadAllTextAsync(CopyPath)).ReplaceLineEndings("\n");
        Assert.True(copy == served,
            "panel/openapi/gateway.v1.json differs from the gateway's document: " +
            "run UPDATE_OPENAPI=1 dotnet test tests/Introserv.EndToEnd.Tests --filter PanelDocumentTests");
    }
}
