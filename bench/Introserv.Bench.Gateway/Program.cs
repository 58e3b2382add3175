using System.Net;
using System.Net.Http.Json;
using BenchmarkDotNet.Running;
using Introserv.Bench.Gateway;
using Introserv.Testing;

// matcher            BenchmarkDotNet: allow-list lookups with 1 and 10,000 ranges
// token <gateway>    registers a benchmark customer, signs in (code + PKCE), sets an allow-list that
//                    includes loopback, and prints the access token
switch (args.FirstOrDefault())
{
    case "matcher":
        BenchmarkRunner.Run<MatcherBenchmarks>(
            BenchmarkDotNet.Configs.ManualConfig
                .Create(BenchmarkDotNet.Configs.DefaultConfig.Instance)
                .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "introserv-bench")),
            args[1..]);
        return 0;
    case "token" when args.Length > 1:
        Console.WriteLine(await TokenAsync(new Uri(args[1])));
        return 0;
    default:
        await Console.Error.WriteLineAsync("usage: matcher | token <gateway-url>");
        return 2;
}

static async Task<string> TokenAsync(Uri gateway)
{
    const string password = "benchmark lighthouse 64 doors";
    var login = $"bench.{Guid.NewGuid():N}"[..20];
    using var handler = new HttpClientHandler
    {
        AllowAutoRedirect = false,
        UseCookies = true,
        CookieContainer = new CookieContainer()
    };
    using var http = new HttpClient(handler) { BaseAddress = gateway };
    using var registered = await http.PostAsJsonAsync("/api/accounts",
        new { login, password, email = $"{login}@example.com", firstName = "Bench", lastName = "Mark" });
    registered.EnsureSuccessStatusCode();
    var tokens = await new OidcBrowser(http, "introserv-panel", "http://localhost:3000/callback")
        .SignInAsync(login, password);

    using var api = new HttpClient { BaseAddress = gateway };
    api.DefaultRequestHeaders.Authorization =
        new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", tokens.AccessToken);
    // A realistic list, so every gateway request runs the matcher on a restricted account.
    string[] entries = ["127.0.0.0/8", "::1", "10.0.0.0/8", "192.168.0.0/16", "2001:db8::-2001:db8::ffff"];
    using var list = await api.PutAsJsonAsync("/api/account/ip-allow-list", new { entries });
    list.EnsureSuccessStatusCode();
    return tokens.AccessToken;
}
