using System.Text.Json.Nodes;
using Microsoft.Extensions.Caching.Memory;
using Scalar.AspNetCore;

namespace Introserv.Gateway.Docs;

// The combined OpenAPI document of every service at /openapi/v1.json, and the interactive reference (Scalar) at /docs.
// Each service's own document stays at /openapi/{service}/v1.json.
public static class ApiReference
{
    public const string CombinedPath = "/openapi/v1.json";
    public const string PagePath = "/docs";

    public static readonly IReadOnlyList<string> Services =
        ["identity", "profile", "orders", "notifications", "verification"];

    public static IHostApplicationBuilder AddApiReference(this IHostApplicationBuilder builder)
    {
        builder.Services.AddMemoryCache();
        builder.Services.AddHttpClient(nameof(ApiReference), http => http.Timeout = TimeSpan.FromSeconds(10));
        return builder;
    }

    public static WebApplication MapApiReference(this WebApplication app)
    {
        app.MapGet(CombinedPath, GetCombinedAsync).AllowAnonymous().ExcludeFromDescription();
        app.MapScalarApiReference(PagePath, options => options
            .WithTitle("Introserv billing panel API")
            .AddDocument("v1", "Introserv billing panel API", CombinedPath))
            .AllowAnonymous();
        return app;
    }

    private static async Task<Microsoft.AspNetCore.Http.HttpResults.ContentHttpResult> GetCombinedAsync(
        IHttpClientFactory factory, IMemoryCache cache, ILoggerFactory logging, CancellationToken cancellationToken)
    {
        var combined = await cache.GetOrCreateAsync(CombinedPath, async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromMinutes(1);
            var http = factory.CreateClient(nameof(ApiReference));
            var documents = await Task.WhenAll(Services.Select(async service =>
            {
                try
                {
                    var text = await http.GetStringAsync(
                        new Uri($"http://{service}/openapi/v1.json"), cancellationToken);
                    return (service, JsonNode.Parse(text));
                }
                catch (HttpRequestException ex)
                {
                    logging
                        .CreateLogger(nameof(ApiReference))
                        .LogWarning(ex, "The OpenAPI document of {Service} is unavailable", service);
                    entry.AbsoluteExpirationRelativeToNow = TimeSpan.FromSeconds(5);
                    return (service, (JsonNode?)null);
                }
            }));
            return Merge(documents).ToJsonString();
        });
        return TypedResults.Text(combined!, "application/json");
    }

    // Merges service documents: paths side by side (each service owns its routes), tags kept, component
    // schemas shared when identical and prefixed with the service name when two services differ.
    public static JsonObject Merge(IEnumerable<(string Service, JsonNode? Document)> documents)
    {
        ArgumentNullException.ThrowIfNull(documents);
        var paths = new JsonObject();
        var schemas = new JsonObject();
        var tags = new JsonArray();
        var unavailable = new List<string>();
        foreach (var (service, document) in documents)
        {
            if (document is null)
            {
                unavailable.Add(service);
                continue;
            }

            var renames = new Dictionary<string, string>(StringComparer.Ordinal);
            if (document["components"]?["schemas"] is JsonObject serviceSchemas)
            {
                foreach (var (name, schema) in serviceSchemas)
                {
                    if (schemas[name] is { } existing && !JsonNode.DeepEquals(existing, schema))
                    {
                        renames[name] = $"{service}.{name}";
                    }
                }

                foreach (var (name, schema) in serviceSchemas)
                {
                    var target = renames.GetValueOrDefault(name, name);
                    schemas[target] ??= Rewrite(schema, renames);
                }
            }

            if (document["paths"] is JsonObject servicePaths)
            {
                foreach (var (path, item) in servicePaths)
                {
                    paths[path] = Rewrite(item, renames);
                }
            }

            if (document["tags"] is JsonArray serviceTags)
            {
                foreach (var tag in serviceTags)
                {
                    tags.Add(tag?.DeepClone());
                }
            }
        }

        DeclareGatewayProblems(paths);
        var description =
            "Every public endpoint of the billing panel, through the gateway. " +
            "Errors are RFC 9457 problem details with a stable `code`.";
        if (unavailable.Count > 0)
        {
            description += $" Currently unavailable: {string.Join(", ", unavailable)}.";
        }

        return new JsonObject
        {
            ["openapi"] = "3.1.1",
            ["info"] = new JsonObject
            {
                ["title"] = "Introserv billing panel API",
                ["version"] = "v1",
                ["description"] = description
            },
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["schemas"] = schemas,
                ["securitySchemes"] = new JsonObject
                {
                    ["bearer"] = new JsonObject
                    {
                        ["type"] = "http",
                        ["scheme"] = "bearer",
                        ["bearerFormat"] = "JWT",
                        ["description"] = "Access token from /connect/token (authorization code + PKCE).",
                    },
                },
            },
            ["security"] = new JsonArray(new JsonObject { ["bearer"] = new JsonArray() }),
            ["tags"] = tags,
        };
    }

    // What the gateway itself may answer on an operation joins the codes the service declares for that status
    // (an operation that needs a token declares 401 in its service's document).
    private static void DeclareGatewayProblems(JsonObject paths)
    {
        foreach (var (_, item) in paths)
        {
            foreach (var (_, node) in (item as JsonObject)?.ToList() ?? [])
            {
                if (node is not JsonObject operation)
                {
                    continue;
                }

                var responses = operation["responses"] as JsonObject ?? [];
                operation["responses"] = responses;
                var types = responses.ContainsKey("401")
                    ? GatewayProblems.OnEveryOperation.Concat(GatewayProblems.OnSignedInOperations)
                    : GatewayProblems.OnEveryOperation;
                foreach (var type in types)
                {
                    Declare(responses, type);
                }
            }
        }
    }

    private static void Declare(JsonObject responses, Introserv.ServiceDefaults.ProblemType type)
    {
        var key = type.Status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (responses[key]?["content"]?["application/problem+json"]?["schema"]?["properties"]?["code"]?["enum"]
            is JsonArray codes)
        {
            if (!codes.Any(c => c?.GetValue<string>() == type.Code))
            {
                codes.Add(type.Code);
                responses[key]!["description"] =
                    $"{responses[key]!["description"]?.GetValue<string>()?.TrimEnd('.')}; " +
                    $"`{type.Code}` ({type.Title}).";
            }

            return;
        }

        responses[key] = new JsonObject
        {
            ["description"] =
                $"{Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(type.Status)}. Problem codes: " +
                $"`{type.Code}` ({type.Title}).",
            ["content"] = new JsonObject
            {
                ["application/problem+json"] = new JsonObject
                {
                    ["schema"] = new JsonObject
                    {
                        ["type"] = "object",
                        ["required"] = new JsonArray("status", "title", "code"),
                        ["properties"] = new JsonObject
                        {
                            ["title"] = new JsonObject { ["type"] = "string" },
                            ["status"] = new JsonObject { ["type"] = "integer", ["format"] = "int32" },
                            ["detail"] = new JsonObject { ["type"] = new JsonArray("string", "null") },
                            ["code"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray(type.Code) },
                            ["traceId"] = new JsonObject { ["type"] = "string" },
                        },
                    },
                },
            },
        };
    }

    private static JsonNode? Rewrite(JsonNode? node, Dictionary<string, string> renames)
    {
        var copy = node?.DeepClone();
        if (renames.Count == 0 || copy is null)
        {
            return copy;
        }

        Visit(copy);
        return copy;

        void Visit(JsonNode current)
        {
            switch (current)
            {
                case JsonObject obj:
                    if (obj["$ref"]?.GetValue<string>() is { } reference
                        && reference.StartsWith("#/components/schemas/", StringComparison.Ordinal)
                        && renames.TryGetValue(reference["#/components/schemas/".Length..], out var renamed))
                    {
                        obj["$ref"] = $"#/components/schemas/{renamed}";
                    }

                    foreach (var (_, child) in obj.ToList())
                    {
                        if (child is not null)
                        {
                            Visit(child);
                        }
                    }

                    break;
                case JsonArray array:
                    foreach (var child in array)
                    {
                        if (child is not null)
                        {
                            Visit(child);
                        }
                    }

                    break;
            }
        }
    }
}
