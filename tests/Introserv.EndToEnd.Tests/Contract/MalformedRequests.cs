using System.Text;
using System.Text.Json.Nodes;

namespace Introserv.EndToEnd.Tests.Contract;

// One request a careless or hostile client could send to an operation of the OpenAPI document.
public sealed record MalformedRequest(
    string Method, string Path, string What, string? Body, string? ContentType,
    IReadOnlyList<(string Name, string Value)> Headers)
{
    public bool IsWrite => Method is "POST" or "PUT" or "PATCH" or "DELETE";

    public override string ToString() => $"{Method} {Path} [{What}]";
}

// Generates malformed variants of every operation of an OpenAPI document: wrong JSON types, nulls, sizes,
// broken encodings, odd Unicode, unparsable path and query values and headers. Deterministic for a seed.
public sealed class MalformedRequests(JsonNode document, Random random)
{
    // A NUL in the path (%00) is left out: Kestrel itself refuses such a request line with an empty 400 before any
    // application code runs, so no problem body can be given.
    private static readonly string[] PathValues =
        ["not-a-uuid", "-1", "0", new string('a', 3000), "%2e%2e%2f%2e%2e%2fetc", "%07", "%F0%9F%98%80", "%E2%80%AE",
            "%FF%FE"];

    private static readonly string[] QueryValues =
        ["not-a-date", "-1", "0", "99999999999999999999", "", "%FF", "1e3", "null", "%E2%80%AE%00",
            new string('9', 5000), "2026-13-45T99:99:99Z"];

    private static readonly JsonNode?[] WrongValues =
    [
        JsonValue.Create(123456789012345), JsonValue.Create(-1), JsonValue.Create(1.5e300), JsonValue.Create(true),
        new JsonArray(), new JsonArray(JsonValue.Create("a"), JsonValue.Create(1)), new JsonObject(), null,
        JsonValue.Create(new string('x', 200_000)), JsonValue.Create("\u0000\u202eabc\u0007"),
        JsonValue.Create("2026-13-45"),
        JsonValue.Create("   "), JsonValue.Create("💥" + new string('é', 300)),
    ];

    public IEnumerable<MalformedRequest> For(string method, string template, JsonNode operation)
    {
        var parameters = (operation["parameters"] as JsonArray ?? []).OfType<JsonNode>().ToList();
        var pathNames = parameters.Where(p => (string?)p["in"] == "path").Select(p => (string)p["name"]!).ToList();
        var queryNames = parameters.Where(p => (string?)p["in"] == "query").Select(p => (string)p["name"]!).ToList();
        var schema = Resolve(operation["requestBody"]?["content"]?["application/json"]?["schema"]);
        var hasBody = operation["requestBody"] is not null;
        var validPath = Fill(template, pathNames, _ => Guid.NewGuid().ToString());
        List<(string, string)> noHeaders = [];

        foreach (var name in pathNames)
        {
            foreach (var value in PathValues)
            {
                yield return new(method, Fill(template, pathNames, n => n == name ? value : Guid.NewGuid().ToString()),
                    $"path {name}={Shorten(value)}",
                    hasBody ? "{}" : null, hasBody ? "application/json" : null, noHeaders);
            }
        }

        foreach (var name in queryNames)
        {
            foreach (var value in QueryValues)
            {
                yield return new(method, $"{validPath}?{name}={value}", $"query {name}={Shorten(value)}",
                    hasBody ? "{}" : null, hasBody ? "application/json" : null, noHeaders);
            }
        }

        yield return new(method, $"{validPath}?limit=-5&before=%ZZ&cursor=%00", "query junk", null, null, noHeaders);

        if (!hasBody)
        {
            yield break;
        }

        foreach (var (what, body) in Bodies(schema))
        {
            yield return new(method, validPath, what, body, "application/json",
                [("Idempotency-Key", Guid.NewGuid().ToString()), ("If-Match", "\"1\"")]);
        }

        yield return new(method, validPath, "form body", "a=1&b=2", "application/x-www-form-urlencoded", noHeaders);
        yield return new(method, validPath, "text body", "{\"a\":1}", "text/plain", noHeaders);
        yield return new(method, validPath, "bad headers", "{\"x\":1}", "application/json",
            [("Idempotency-Key", new string('k', 600)), ("If-Match", "garbage \\x01 w/\"x"), ("If-None-Match", "*")]);
        yield return new(method, validPath, "empty key", "{\"x\":1}", "application/json",
            [("Idempotency-Key", ""), ("If-Match", "")]);
    }

    private IEnumerable<(string What, string Body)> Bodies(JsonNode? schema)
    {
        yield return ("truncated", "{\"a\": ");
        yield return ("null", "null");
        yield return ("array", "[]");
        yield return ("number", "123");
        yield return ("string", "\"text\"");
        yield return ("deep", new string('[', 500) + new string(']', 500));
        yield return ("deep object", string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 100));
        yield return ("lone surrogate", "{\"a\": \"\\ud800\"}");
        yield return ("invalid utf8",
            Encoding.Latin1.GetString([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D]));
        yield return ("duplicate keys", "{\"a\":1,\"a\":2}");

        var properties = (schema?["properties"] as JsonObject)?.ToList() ?? [];
        foreach (var (property, propertySchema) in properties)
        {
            foreach (var wrong in WrongValues)
            {
                var body = Plausible(properties);
                body[property] = wrong?.DeepClone();
                yield return ($"{property}={Shorten(wrong?.ToJsonString() ?? "null")}", body.ToJsonString());
            }

            // One level down: the fields of an object-valued property.
            var nested = (Resolve(propertySchema)?["properties"] as JsonObject)?.ToList() ?? [];
            foreach (var (inner, _) in nested)
            {
                foreach (var wrong in WrongValues.OrderBy(_ => random.Next()).Take(4))
                {
                    var body = Plausible(properties);
                    var value = Plausible(nested);
                    value[inner] = wrong?.DeepClone();
                    body[property] = value;
                    yield return ($"{property}.{inner}={Shorten(wrong?.ToJsonString() ?? "null")}",
                        body.ToJsonString());
                }
            }
        }

        var array = (schema?["properties"] as JsonObject)?.FirstOrDefault(p => IsArray(Resolve(p.Value))).Key;
        if (array is not null)
        {
            var huge = new JsonArray(Enumerable.Range(0, 5000)
                .Select(i => (JsonNode)JsonValue.Create($"10.0.{i / 256}.{i % 256}"))
                .ToArray());
            yield return ($"{array}: 5000 items", new JsonObject { [array] = huge }.ToJsonString());
        }
    }

    // An object whose properties hold values of their declared types (so one wrong value stands out).
    private JsonObject Plausible(IEnumerable<KeyValuePair<string, JsonNode?>> properties)
    {
        var body = new JsonObject();
        foreach (var (name, schema) in properties)
        {
            var resolved = Resolve(schema);
            body[name] = TypeOf(resolved) switch
            {
                "integer" or "number" => JsonValue.Create(1),
                "boolean" => JsonValue.Create(random.Next(2) == 0),
                "array" => new JsonArray(),
                "object" => new JsonObject(),
                _ => JsonValue.Create(random.Next(2) == 0 ? "x" : "2026-01-01"),
            };
        }

        return body;
    }

    private static string? TypeOf(JsonNode? schema) => schema?["type"] switch
    {
        JsonValue value => value.ToString(),
        JsonArray types => types.Select(t => t?.ToString()).FirstOrDefault(t => t != "null"),
        _ => schema?["properties"] is not null ? "object" : null,
    };

    // OpenAPI 3.1 writes "type": "array" or "type": ["array", "null"].
    private static bool IsArray(JsonNode? schema) => schema?["type"] switch
    {
        JsonValue value => value.ToString() == "array",
        JsonArray types => types.Any(t => t?.ToString() == "array"),
        _ => false,
    };

    private JsonNode? Resolve(JsonNode? schema)
    {
        for (var depth = 0; depth < 10 && schema?["$ref"] is { } reference; depth++)
        {
            var name = ((string)reference!).Split('/')[^1];
            schema = document["components"]?["schemas"]?[name];
        }

        return schema;
    }

    private static string Fill(string template, IReadOnlyList<string> names, Func<string, string> value)
    {
        var path = template;
        foreach (var name in names)
        {
            path = path.Replace("{" + name + "}", value(name), StringComparison.Ordinal);
        }

        return path;
    }

    private static string Shorten(string value) => value.Length > 24 ? $"{value[..12]}…({value.Length})" : value;
}
