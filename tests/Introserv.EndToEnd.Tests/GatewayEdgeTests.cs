using System.Diagnostics;
using System.Text;

namespace Introserv.EndToEnd.Tests;

// The gateway as the only door: allow-lists that forged headers cannot pass, rate limits, CORS, docs.
[Collection(StackDefinition.Name)]
public sealed class GatewayEdgeTests(StackFixture stack)
{
    private const string Password = "silver orchard 31 kettles";
    private const string SecurityPath = "/api/account/security";

    private async Task<(string Login, TokenSet Tokens)> SignedInCustomerAsync()
    {
        var login = $"edge.{Guid.NewGuid():N}"[..20];
        await stack.RegisterAsync(login, Password, "Grace", "Hopper");
        return (login, await stack.NewBrowser().SignInAsync(login, Password));
    }

    private HttpClient From(string address, string token) =>
        SourceAddressClient.Create(address, stack.GatewayAddress, token);

    private async Task PutAllowListAsync(string token, params string[] entries)
    {
        using var api = From("127.0.0.1", token);
        using var response = await api.PutAsJsonAsync("/api/account/ip-allow-list",
            new { entries, confirmLockOut = true });
        Assert.True(response.StatusCode == HttpStatusCode.OK,
            $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    // Polls until the request from address gets expected; fails after 5 s.
    private async Task<TimeSpan> EventuallyAsync(string address, string token, HttpStatusCode expected)
    {
        var watch = Stopwatch.StartNew();
        HttpStatusCode last;
        do
        {
            using var api = From(address, token);
            using var response = await api.GetAsync(new Uri(SecurityPath, UriKind.Relative));
            last = response.StatusCode;
            if (last == expected)
            {
                return watch.Elapsed;
            }

            await Task.Delay(100);
        }
        while (watch.Elapsed < TimeSpan.FromSeconds(5));

        Assert.Fail($"{address} still got {(int)last} after 5 s, expected {(int)expected}");
        return watch.Elapsed;
    }

    private async Task<HttpResponseMessage> GetAsync(string address, string token, string? forwardedFor = null)
    {
        using var api = From(address, token);
        using var request = new HttpRequestMessage(HttpMethod.Get, SecurityPath);
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        return await api.SendAsync(request);
    }

    [Fact]
    public async Task An_allow_list_change_holds_at_the_gateway_within_five_seconds_with_inclusive_range_ends()
    {
        var (_, tokens) = await SignedInCustomerAsync();
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("127.0.0.5", tokens.AccessToken)).StatusCode);

        await PutAllowListAsync(tokens.AccessToken, "127.0.0.3-127.0.0.4");

        await EventuallyAsync("127.0.0.5", tokens.AccessToken, HttpStatusCode.Forbidden);
        using var denied = await GetAsync("127.0.0.1", tokens.AccessToken);
        await Expect.StatusAsync(HttpStatusCode.Forbidden, denied);
        var problem = await denied.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("ip_not_allowed", problem.GetProperty("code").GetString());
        Assert.Equal("127.0.0.1", problem.GetProperty("callerAddress").GetString());
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("127.0.0.3", tokens.AccessToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await GetAsync("127.0.0.4", tokens.AccessToken)).StatusCode);

        // IPv6: only ::1 allowed now.
        using (var fromInside = From("127.0.0.3", tokens.AccessToken))
        {
            using var change = await fromInside.PutAsJsonAsync("/api/account/ip-allow-list",
                new { entries = new[] { "::1" }, confirmLockOut = true });
            Assert.True(change.StatusCode == HttpStatusCode.OK,
                $"{(int)change.StatusCode}: {await change.Content.ReadAsStringAsync()}");
        }

        // Identity refuses the old address at once; the gateway follows within seconds.
        await EventuallyAsync("127.0.0.3", tokens.AccessToken, HttpStatusCode.Forbidden);
        await EventuallyAsync("::1", tokens.AccessToken, HttpStatusCode.OK);

        // An empty list lifts the restriction everywhere.
        using (var fromV6 = From("::1", tokens.AccessToken))
        {
            using var clear = await fromV6.PutAsJsonAsync("/api/account/ip-allow-list",
                new { entries = Array.Empty<string>() });
            Assert.True(clear.StatusCode == HttpStatusCode.OK,
                $"{(int)clear.StatusCode}: {await clear.Content.ReadAsStringAsync()}");
        }

        await EventuallyAsync("127.0.0.9", tokens.AccessToken, HttpStatusCode.OK);
    }

    // What a hostile or broken client may put in the Authorization header: a 401 problem with its code, never a 5xx;
    // over Kestrel's 32 KB of request headers, 431 before any middleware runs.
    [Fact]
    public async Task A_malformed_or_huge_authorization_header_gets_a_401_problem_and_an_oversized_one_431()
    {
        static string Part(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var header = Part("""{"alg":"RS256","typ":"at+jwt","kid":"k"}""");
        var values = new[]
        {
            "Bearer", "Bearer ", "Bearer a.b.c", "Bearer ...", "Basic dXNlcjpwYXNzd29yZA==", "bearer",
            "Bearer " + new string('A', 20_000),
            $"Bearer {header}.{Part($$"""{"sub":"{{new string('x', 20_000)}}"}""")}.c2ln",
            $"Bearer {header}.{Part(new string('[', 5_000) + new string(']', 5_000))}.c2ln",
            $"Bearer {header}.{Part("[1,2,3]")}.c2ln",
        };
        using var anonymous = stack.CreateGatewayClient();
        foreach (var value in values)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, SecurityPath);
            Assert.True(request.Headers.TryAddWithoutValidation("Authorization", value));
            using var response = await anonymous.SendAsync(request);
            await Expect.StatusAsync(HttpStatusCode.Unauthorized, response);
            Assert.Equal("unauthorized",
                (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        }

        using var oversized = new HttpRequestMessage(HttpMethod.Get, SecurityPath);
        oversized.Headers.TryAddWithoutValidation("Authorization", "Bearer " + new string('A', 40_000));
        using var refused = await anonymous.SendAsync(oversized);
        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, refused.StatusCode);
    }

    [Fact]
    public async Task In_the_default_configuration_no_forwarded_header_passes_the_allow_list()
    {
        // The stack runs as the README starts it: no proxy is trusted in front of the gateway.
        var (_, tokens) = await SignedInCustomerAsync();
        await PutAllowListAsync(tokens.AccessToken, "127.0.0.3");
        await EventuallyAsync("127.0.0.1", tokens.AccessToken, HttpStatusCode.Forbidden);

        foreach (var (header, value) in new[]
        {
            ("X-Forwarded-For", "127.0.0.3"), ("X-Forwarded-For", "127.0.0.3, 127.0.0.3"),
            ("Forwarded", "for=127.0.0.3"),
            ("X-Real-IP", "127.0.0.3"), ("X-Original-For", "127.0.0.3"),
        })
        {
            foreach (var from in new[] { "127.0.0.1", "127.0.0.2", "::1" })
            {
                using var api = From(from, tokens.AccessToken);
                using var request = new HttpRequestMessage(HttpMethod.Get, SecurityPath);
                request.Headers.TryAddWithoutValidation(header, value);
                using var response = await api.SendAsync(request);
                Assert.True(response.StatusCode == HttpStatusCode.Forbidden,
                    $"{header}: {value} from {from} got {(int)response.StatusCode}");
            }
        }

        Assert.Equal(HttpStatusCode.OK, (await GetAsync("127.0.0.3", tokens.AccessToken)).StatusCode);
        // Nor does a token in the URL get anywhere.
        using var anonymous = stack.CreateGatewayClient();
        using var inQuery = await anonymous.GetAsync(new Uri(
            $"{SecurityPath}?access_token={tokens.AccessToken}", UriKind.Relative));
        await Expect.StatusAsync(HttpStatusCode.BadRequest, inQuery);
    }

    [Fact]
    public async Task After_twenty_concurrent_changes_the_gateway_enforces_the_list_identity_stored()
    {
        var (_, tokens) = await SignedInCustomerAsync();
        using var api = From("127.0.0.1", tokens.AccessToken);
        await Task.WhenAll(Enumerable.Range(0, 20).Select(async i =>
        {
            using var response = await api.PutAsJsonAsync("/api/account/ip-allow-list",
                new { entries = new[] { "127.0.0.1", $"127.0.0.{20 + i}" } });
            await Expect.StatusAsync(HttpStatusCode.OK, response);
        }));

        var stored = (await api.GetFromJsonAsync<JsonElement>(SecurityPath)).GetProperty("ipAllowList");
        Assert.Equal(20, stored.GetProperty("version").GetInt64());
        var kept = stored.GetProperty("entries")
            .EnumerateArray()
            .Select(e => e.GetString()!)
            .Single(e => e != "127.0.0.1");
        await EventuallyAsync(kept, tokens.AccessToken, HttpStatusCode.OK);
        foreach (var other in Enumerable.Range(20, 20).Select(i => $"127.0.0.{i}").Where(a => a != kept).Take(5))
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await GetAsync(other, tokens.AccessToken)).StatusCode);
        }
    }

    [Fact]
    public async Task The_gateway_reports_the_last_access_address_to_identity()
    {
        var (_, tokens) = await SignedInCustomerAsync();

        // Signing in recorded 127.0.0.1; API calls from 127.0.0.8 are reported by the gateway (batched).
        var lastIp = await Eventually.ValueAsync(
            async () =>
            {
                using var api = From("127.0.0.8", tokens.AccessToken);
                var security = await api.GetFromJsonAsync<JsonElement>(SecurityPath);
                return security.GetProperty("lastAccess").GetProperty("ip").GetString();
            },
            ip => ip == "127.0.0.8",
            TimeSpan.FromSeconds(20));

        Assert.Equal("127.0.0.8", lastIp);
    }

    [Fact]
    public async Task Anonymous_endpoints_are_rate_limited_per_client_address_with_retry_after()
    {
        using var http = SourceAddressClient.Create("127.0.0.50", stack.GatewayAddress);
        HttpResponseMessage? limited = null;
        for (var i = 0; i <= StackFixture.AnonymousRateLimit && limited is null; i++)
        {
            var response = await http.PostAsJsonAsync("/api/accounts", new { login = "x" });
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                await Expect.StatusAsync(HttpStatusCode.BadRequest, response);
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        Assert.True(limited.Headers.RetryAfter is not null || limited.Headers.Contains("Retry-After"));
        Assert.Equal("rate_limited",
            (await limited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        limited.Dispose();

        // Another address is not affected.
        using var other = SourceAddressClient.Create("127.0.0.51", stack.GatewayAddress);
        Assert.Equal(HttpStatusCode.BadRequest,
            (await other.PostAsJsonAsync("/api/accounts", new { login = "x" })).StatusCode);
    }

    [Fact]
    public async Task The_API_is_rate_limited_per_account_whatever_the_address()
    {
        var (_, tokens) = await SignedInCustomerAsync();
        var (_, other) = await SignedInCustomerAsync();
        HttpResponseMessage? limited = null;
        for (var i = 0; i <= StackFixture.AccountRateLimit && limited is null; i++)
        {
            // Spread over addresses: the limit follows the account, not the address.
            using var api = From($"127.0.1.{(i % 50) + 1}", tokens.AccessToken);
            var response = await api.GetAsync(new Uri("/api/plans", UriKind.Relative));
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
            else
            {
                response.Dispose();
            }
        }

        Assert.NotNull(limited);
        Assert.True(limited.Headers.Contains("Retry-After"));
        Assert.Equal("rate_limited",
            (await limited.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
        limited.Dispose();
        using var otherApi = From("127.0.1.1", other.AccessToken);
        Assert.NotEqual(HttpStatusCode.TooManyRequests,
            (await otherApi.GetAsync(new Uri("/api/plans", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task CORS_answers_configured_front_end_origins_only()
    {
        using var http = stack.CreateGatewayClient();

        using var allowed = new HttpRequestMessage(HttpMethod.Options, SecurityPath);
        allowed.Headers.Add("Origin", "http://localhost:3000");
        allowed.Headers.Add("Access-Control-Request-Method", "PUT");
        allowed.Headers.Add(
            "Access-Control-Request-Headers", "authorization,content-type,if-match,idempotency-key,step-up-token");
        using var yes = await http.SendAsync(allowed);
        Assert.Equal("http://localhost:3000", yes.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var allowedHeaders = string.Join(',', yes.Headers.GetValues("Access-Control-Allow-Headers")).ToLowerInvariant();
        Assert.Contains("if-match", allowedHeaders, StringComparison.Ordinal);
        Assert.Contains("idempotency-key", allowedHeaders, StringComparison.Ordinal);
        Assert.Contains("step-up-token", allowedHeaders, StringComparison.Ordinal);

        // What a front end reads from answers: the version for If-Match, when to retry, where a new resource is.
        using var simple = new HttpRequestMessage(HttpMethod.Get, "/api/plans");
        simple.Headers.Add("Origin", "http://localhost:3000");
        using var read = await http.SendAsync(simple);
        var exposed = string.Join(',', read.Headers.GetValues("Access-Control-Expose-Headers")).ToLowerInvariant();
        Assert.All(new[] { "etag", "retry-after", "location" },
            h => Assert.Contains(h, exposed, StringComparison.Ordinal));

        using var foreign = new HttpRequestMessage(HttpMethod.Options, SecurityPath);
        foreign.Headers.Add("Origin", "https://evil.example");
        foreign.Headers.Add("Access-Control-Request-Method", "PUT");
        using var no = await http.SendAsync(foreign);
        Assert.False(no.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("/api/profile/phone/verification", "post")]
    [InlineData("/api/profile/phone/verification/{challengeId}/resend", "post")]
    [InlineData("/api/profile/phone/verification/{challengeId}/confirm", "post")]
    [InlineData("/api/profile/audit", "get")]
    [InlineData("/api/staff/profiles/{accountId}/audit", "get")]
    [InlineData("/api/notifications", "get")]
    public async Task Operations_that_answer_a_body_declare_its_type(string path, string method)
    {
        using var http = stack.CreateGatewayClient();
        var document = await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var operation = document.GetProperty("paths").GetProperty(path).GetProperty(method);
        var ok = operation.GetProperty("responses").GetProperty("200");
        var schema = ok.GetProperty("content").GetProperty("application/json").GetProperty("schema");
        Assert.True(schema.TryGetProperty("$ref", out _) || schema.TryGetProperty("type", out _),
            $"{method} {path}: 200 has no typed body");
    }

    [Fact]
    public async Task The_combined_reference_documents_every_service_and_the_page_serves_it()
    {
        using var http = stack.CreateGatewayClient();

        var document = await http.GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Contains("/api/accounts", paths);
        Assert.Contains("/api/account/security", paths);
        Assert.Contains("/api/account/ip-allow-list", paths);
        Assert.DoesNotContain("Currently unavailable",
            document.GetProperty("info").GetProperty("description").GetString(), StringComparison.Ordinal);
        using var page = await http.GetAsync(new Uri("/docs", UriKind.Relative));
        await Expect.StatusAsync(HttpStatusCode.OK, page);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
    }
}
