using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;

namespace Introserv.EndToEnd.Tests.Contract;

// Every operation of the gateway's combined OpenAPI document, sent malformed variants as a signed-in customer and
// as staff: no 5xx, every 4xx a problem with a code, no request over 5 s, and nothing written by a refused
// request. Seeded (FUZZ_SEED replays a run) and bounded.
[Collection(StackDefinition.Name)]
public sealed class FuzzThroughGatewayTests(StackFixture stack, ITestOutputHelper output)
{
    private const int Customers = 12;
    private const int Parallelism = 6;
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(5);

    private sealed record Caller(string Token, bool IsStaff);

    [Fact]
    public async Task No_malformed_request_gets_a_5xx_or_an_unexplained_error()
    {
        var seed =
            int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), CultureInfo.InvariantCulture, out var s)
                ? s
                : Random.Shared.Next();
        output.WriteLine($"FUZZ_SEED={seed}");
        var random = new Random(seed);

        using var anonymous = stack.CreateGatewayClient();
        var document = JsonNode.Parse(await anonymous.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)))!;
        var customers = new List<Caller>();
        for (var i = 0; i < Customers; i++)
        {
            customers.Add(new Caller(await SignedUpCustomerAsync(), false));
        }

        var staff = new Caller(
            (await stack.NewBrowser().SignInAsync("support", "local-support-only-2026")).AccessToken, true);
        var before = await Task.WhenAll(customers.Select(c => SnapshotAsync(c.Token)));

        var generator = new MalformedRequests(document, random);
        var work = new List<(MalformedRequest Request, Caller Caller, JsonNode Operation)>();
        foreach (var (path, item) in (document["paths"] as JsonObject)!)
        {
            foreach (var (method, operation) in (item as JsonObject)!)
            {
                if (operation is null || method is "parameters")
                {
                    continue;
                }

                var isStaffOperation = path.Contains("/staff/", StringComparison.Ordinal);
                foreach (var request in generator.For(method.ToUpperInvariant(), path, operation))
                {
                    var customer = customers[random.Next(customers.Count)];
                    work.Add((request, isStaffOperation ? staff : customer, operation));
                    if (random.Next(4) == 0)
                    {
                        // The other role: a customer on a staff route, staff on a customer's.
                        work.Add((request, isStaffOperation ? customer : staff, operation));
                    }
                }
            }
        }

        var failures = new ConcurrentBag<string>();
        var accepted = new ConcurrentDictionary<string, string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var watch = Stopwatch.StartNew();
        using var gate = new SemaphoreSlim(Parallelism);
        var clients = Enumerable.Range(0, 16)
            .Select(i => SourceAddressClient.Create($"127.0.0.{100 + i}", stack.GatewayAddress))
            .ToList();
        try
        {
            await Task.WhenAll(work.Select(async (item, index) =>
            {
                await gate.WaitAsync();
                try
                {
                    var (status, problem) = await SendAsync(
                        clients[index % clients.Count], item.Request, item.Caller, failures);
                    statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
                    if (status < 300 && item.Request.IsWrite)
                    {
                        // A variant that happens to be valid is a real change: its caller's state may differ.
                        accepted[item.Caller.Token] = item.Request.ToString();
                    }

                    if (status >= 500)
                    {
                        failures.Add(
                            $"{item.Request} as {(item.Caller.IsStaff ? "staff" : "customer")}: {status} {problem}");
                    }
                    else if (status >= 400 && problem is null)
                    {
                        failures.Add($"{item.Request}: {status} without a problem body with a code");
                    }
                    else if (Undeclared(item.Operation, status, problem) is { } undeclared)
                    {
                        failures.Add($"{item.Request}: {undeclared}");
                    }
                }
                finally
                {
                    gate.Release();
                }
            }));
        }
        finally
        {
            clients.ForEach(c => c.Dispose());
        }

        output.WriteLine($"{work.Count} requests in {watch.Elapsed.TotalSeconds:F0} s: " +
            string.Join(", ", statuses.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}×{kv.Value}")));
        Assert.True(failures.IsEmpty,
            $"FUZZ_SEED={seed}: {failures.Count} failures:\n" + string.Join('\n', failures.Order().Take(60)));
        Assert.True(work.Count >= 2000, $"only {work.Count} requests generated");
        var limited = statuses.GetValueOrDefault(429);
        Assert.True(limited < work.Count / 20,
            $"{limited} of {work.Count} requests were rate-limited: the fuzz did not reach the services");

        output.WriteLine($"accepted writes: {string.Join("; ", accepted.Values.Distinct().Order())}");
        for (var i = 0; i < customers.Count; i++)
        {
            if (!accepted.ContainsKey(customers[i].Token))
            {
                Assert.Equal(before[i], await SnapshotAsync(customers[i].Token));
            }
        }

        Assert.Contains(customers, c => !accepted.ContainsKey(c.Token));
    }

    [Fact]
    public async Task Every_operation_declares_a_typed_success_and_the_codes_of_each_problem_status()
    {
        using var anonymous = stack.CreateGatewayClient();
        var document = JsonNode.Parse(await anonymous.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)))!;
        var defects = new List<string>();
        foreach (var (path, item) in (document["paths"] as JsonObject)!)
        {
            foreach (var (method, operation) in (item as JsonObject)!)
            {
                if (operation?["responses"] is not JsonObject responses)
                {
                    defects.Add($"{method} {path}: no responses");
                    continue;
                }

                var successes = responses.Where(r => r.Key.StartsWith('2')).ToList();
                if (successes.Count == 0)
                {
                    defects.Add($"{method} {path}: no 2xx answer declared");
                }

                // A document (an invoice PDF) declares its media type instead of a JSON schema.
                defects.AddRange(successes
                    .Where(r => r.Key != "204" && r.Value?["content"]?["application/json"]?["schema"] is null
                        && r.Value?["content"]?["application/pdf"] is null)
                    .Select(r => $"{method} {path}: {r.Key} has no typed JSON body"));
                defects.AddRange(responses.Where(r => r.Key[0] is '4' or '5' && CodesOf(r.Value) is null)
                    .Select(r => $"{method} {path}: {r.Key} lists no problem codes"));
                // What the gateway itself may answer is declared too.
                if (CodesOf(responses["502"])?.Contains("upstream_unavailable") != true
                    || CodesOf(responses["504"])?.Contains("upstream_timeout") != true)
                {
                    defects.Add($"{method} {path}: the gateway's 502/504 are not declared");
                }
            }
        }

        Assert.True(defects.Count == 0, string.Join('\n', defects));
    }

    [Fact]
    public async Task Every_request_body_types_its_fields_and_bounds_its_text_and_lists()
    {
        using var anonymous = stack.CreateGatewayClient();
        var document = JsonNode.Parse(await anonymous.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative)))!;
        var schemas = document["components"]?["schemas"] as JsonObject;
        var defects = new SortedSet<string>(StringComparer.Ordinal);
        var bodies = 0;
        foreach (var (path, item) in (document["paths"] as JsonObject)!)
        {
            foreach (var (method, operation) in (item as JsonObject)!)
            {
                if (operation?["requestBody"]?["content"]?["application/json"]?["schema"] is { } body)
                {
                    bodies++;
                    CheckSchema($"{method} {path}", body, schemas, defects, []);
                }
            }
        }

        output.WriteLine($"{bodies} request bodies checked");
        // A partial update requires nothing; a whole one names what it needs, as text that may not be null; choices are
        // enums.
        Assert.Null(schemas?["UpdateSettingsRequest"]?["required"]);
        Assert.Equal(["firstName", "lastName", "city", "address"],
            schemas!["UpdateProfileRequest"]!["required"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal("string",
            schemas["UpdateProfileRequest"]!["properties"]!["firstName"]!["type"]!.GetValue<string>());
        Assert.Equal(["individual", "company"],
            schemas["UpdateProfileRequest"]!["properties"]!["profileType"]!["enum"]!
                .AsArray()
                .Select(n => n!.GetValue<string>()));
        Assert.Equal(100, schemas["SetIpAllowListRequest"]!["properties"]!["entries"]!["maxItems"]!.GetValue<int>());

        Assert.True(bodies >= 20, $"only {bodies} request bodies in the document");
        Assert.True(defects.Count == 0, string.Join('\n', defects));
    }

    // A request's text must say its type and maximum length (or be an enum or a format of fixed shape); a list its
    // maximum number of items; nested objects are checked the same way.
    private static void CheckSchema(
        string where, JsonNode schema, JsonObject? schemas, ISet<string> defects, HashSet<string> seen)
    {
        if (schema["$ref"]?.GetValue<string>() is { } reference)
        {
            var name = reference[(reference.LastIndexOf('/') + 1)..];
            if (seen.Add(name) && schemas?[name] is { } target)
            {
                CheckSchema(where, target, schemas, defects, seen);
            }

            return;
        }

        foreach (var option in (schema["oneOf"] as JsonArray ?? [])
            .Concat(schema["anyOf"] as JsonArray ?? [])
            .OfType<JsonNode>())
        {
            CheckSchema(where, option, schemas, defects, seen);
        }

        var types = schema["type"] switch
        {
            JsonArray many => many.Select(t => t!.GetValue<string>()).ToList(),
            JsonValue one => [one.GetValue<string>()],
            _ => [],
        };
        if (types.Contains("object") || schema["properties"] is not null)
        {
            foreach (var (property, value) in (schema["properties"] as JsonObject ?? []))
            {
                if (value is null || (value as JsonObject)?.Count == 0)
                {
                    defects.Add($"{where}: '{property}' has an empty schema");
                    continue;
                }

                if (value["type"] is null
                    && value["$ref"] is null
                    && value["oneOf"] is null
                    && value["anyOf"] is null
                    && value["enum"] is null)
                {
                    defects.Add($"{where}: '{property}' declares no type");
                }

                CheckSchema($"{where} .{property}", value, schemas, defects, seen);
            }
        }

        var fixedShape = schema["format"]?.GetValue<string>() is "uuid" or "date-time" or "date";
        if (types.Contains("string") && schema["maxLength"] is null && schema["enum"] is null && !fixedShape)
        {
            defects.Add($"{where}: text without maxLength");
        }

        if (types.Contains("array"))
        {
            if (schema["maxItems"] is null)
            {
                defects.Add($"{where}: list without maxItems");
            }

            if (schema["items"] is { } items)
            {
                CheckSchema($"{where}[]", items, schemas, defects, seen);
            }
        }
    }

    // Why the document does not cover this answer of the operation, or null when it does.
    private static string? Undeclared(JsonNode operation, int status, string? code)
    {
        var responses = operation["responses"] as JsonObject;
        var key = status.ToString(CultureInfo.InvariantCulture);
        if (status < 300)
        {
            return responses?.Any(r => r.Key.StartsWith('2')) == true
                ? null
                : $"{status} while the document declares no 2xx answer";
        }

        if (responses?[key] is not { } response)
        {
            return $"{status} {code} is not a status the document declares";
        }

        return code is null || CodesOf(response)?.Contains(code) == true
            ? null
            : $"{status} {code} is not among the codes the document lists for {status}";
    }

    private static HashSet<string>? CodesOf(JsonNode? response) =>
        response?["content"]?["application/problem+json"]?["schema"]?["properties"]?["code"]?["enum"] is JsonArray codes
            ? [.. codes.Select(c => c!.GetValue<string>())]
            : null;

    private static async Task<(int Status, string? Problem)> SendAsync(
        HttpClient http, MalformedRequest request, Caller caller, ConcurrentBag<string> failures)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method),
            new Uri(request.Path, UriKind.Relative));
        message.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", caller.Token);
        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(request.Body));
            message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType);
        }

        foreach (var (name, value) in request.Headers)
        {
            message.Headers.TryAddWithoutValidation(name, value);
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var watch = Stopwatch.StartNew();
        using var response = await http.SendAsync(message, timeout.Token);
        var body = await response.Content.ReadAsStringAsync(timeout.Token);
        if (watch.Elapsed > Slow)
        {
            failures.Add($"{request}: took {watch.Elapsed.TotalSeconds:F1} s");
        }

        var status = (int)response.StatusCode;
        if (status < 400)
        {
            return (status, null);
        }

        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return (status, null);
        }

        try
        {
            var code = JsonNode.Parse(body)?["code"]?.GetValue<string>();
            return (status, code is { Length: > 0 } ? code : null);
        }
        catch (JsonException)
        {
            return (status, null);
        }
    }

    private async Task<string> SignedUpCustomerAsync()
    {
        const string password = "quartz meadow 71 lanterns";
        var login = $"fuzz.{Guid.NewGuid():N}"[..20];
        using var http = stack.CreateGatewayClient();
        using var response = await http.PostAsJsonAsync("/api/accounts",
            new { login, password, email = $"{login}@example.com", firstName = "Fuzz", lastName = "Tester" });
        response.EnsureSuccessStatusCode();
        var token = (await stack.NewBrowser().SignInAsync(login, password)).AccessToken;
        using var api = stack.Api(token);
        await StackFixture.WaitForProfileAsync(api);
        return token;
    }

    // What a refused request must not have changed: profile, security settings, notification settings, orders, balance.
    private async Task<string> SnapshotAsync(string token)
    {
        using var api = stack.Api(token);
        var profile = await api.GetFromJsonAsync<JsonElement>("/api/profile");
        var security = await api.GetFromJsonAsync<JsonElement>("/api/account/security");
        var settings = await api.GetStringAsync(new Uri("/api/notifications/settings", UriKind.Relative));
        var orders = await api.GetStringAsync(new Uri("/api/orders/history", UriKind.Relative));
        var balance = await api.GetStringAsync(new Uri("/api/balance", UriKind.Relative));
        return string.Join('\n',
            profile.GetRawText(),
            security.GetProperty("ipAllowList").GetRawText(),
            security.GetProperty("securityCodeSet").GetRawText(),
            security.GetProperty("twoFactor").GetRawText(),
            settings, orders, balance);
    }
}
