using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Introserv.Testing;

namespace Introserv.Bench.Panel;

// The benchmark's customers, made the way real ones are: registered through the gateway, signed in by code + PKCE
// with the panel's client, the profile completed (Orders lets an account pay only with its personal data, country
// and a complete postal address) and the balance credited by the development support account.
internal static class Accounts
{
    public const string Password = "panel lighthouse 64 doors";
    public const string ClientId = "introserv-panel";
    public const string RedirectUri = "http://localhost:3000/callback";

    // Created by Identity's Development configuration (appsettings.Development.json), as './dev run' does.
    private const string StaffLogin = "support";
    private const string StaffPassword = "local-support-only-2026";

    // The largest credit the staff endpoint takes, far more than a run spends: an order or a renewal of the plan
    // costs 9.90 EUR, and cancelling refunds the unused days.
    private const decimal Funds = 100_000m;

    // A few customers at a time: registering and signing in each run a deliberately slow password hash.
    private const int SetupParallelism = 4;

    // Addresses the benchmark adds to the pool when it is short: the network set aside for benchmarks (RFC 2544),
    // 4,096 at a time (the most one request takes). They stay in the pool, free once the run's orders are cancelled.
    private const string BenchmarkNetwork = "198.18";

    public static async Task<IReadOnlyList<Customer>> CreateAsync(
        HttpClient http, int count, int addressesWanted, bool addAddresses)
    {
        ArgumentNullException.ThrowIfNull(http);
        var staff = await SignInAsync(http.BaseAddress!, StaffLogin, StaffPassword);
        await CheckAddressPoolAsync(http, staff.AccessToken, addressesWanted, addAddresses);
        var run = Guid.NewGuid().ToString("N")[..6];
        var customers = new Customer[count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, count),
            new ParallelOptions { MaxDegreeOfParallelism = SetupParallelism },
            async (i, _) => customers[i] = await CreateOneAsync(http, staff.AccessToken, $"panel-{run}-{i:D3}"));
        return customers;
    }

    // A browser of its own (its cookies) for each sign-in, as a new visit has.
    public static async Task<TokenSet> SignInAsync(Uri gateway, string login, string password)
    {
        using var sockets = new SocketsHttpHandler
        {
            UseCookies = true,
            CookieContainer = new CookieContainer(),
            AllowAutoRedirect = false,
        };
        using var counting = new CountingHandler(sockets);
        using var browser = new HttpClient(counting) { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(30) };
        return await new OidcBrowser(browser, ClientId, RedirectUri).SignInAsync(login, password);
    }

    // Access tokens live 10 minutes. Before each step, customers whose token would expire during it get new tokens
    // from their refresh token (each works once: the newest is kept), as the panel does in the background.
    public static async Task RenewTokensAsync(HttpClient http, IEnumerable<Customer> customers, TimeSpan needed)
    {
        ArgumentNullException.ThrowIfNull(http);
        var deadline = DateTimeOffset.UtcNow + needed;
        var oidc = new OidcBrowser(http, ClientId, RedirectUri);
        foreach (var customer in customers.Where(c => c.Session.ExpiresAt < deadline))
        {
            if (customer.Session.RefreshToken is { } refreshToken)
            {
                using var refreshed = await oidc.RefreshAsync(refreshToken);
                if (refreshed.IsSuccessStatusCode)
                {
                    customer.SignedIn(await OidcBrowser.ReadTokensAsync(refreshed));
                    continue;
                }
            }

            customer.SignedIn(await SignInAsync(http.BaseAddress!, customer.Login, Password));
        }
    }

    private static async Task<Customer> CreateOneAsync(HttpClient http, string staffToken, string login)
    {
        using (var registered = await http.PostAsJsonAsync("/api/accounts", new
        {
            login, password = Password, email = $"{login}@example.com", firstName = "Petra", lastName = "Ivanova"
        }))
        {
            if (registered.StatusCode != HttpStatusCode.Created)
            {
                throw new InvalidOperationException($"Registering {login} answered {(int)registered.StatusCode}: " +
                    await registered.Content.ReadAsStringAsync());
            }
        }

        var tokens = await SignInAsync(http.BaseAddress!, login, Password);
        // Profile and Notifications create their records from AccountRegistered, a moment after registration.
        var profile = await WaitForAsync(http, tokens.AccessToken, "/api/profile");
        var customer = new Customer(login, profile.GetProperty("accountId").GetGuid());
        customer.SignedIn(tokens);
        var saved = await SendAsync(http, tokens.AccessToken, HttpMethod.Put, "/api/profile", new
        {
            firstName = "Petra", lastName = "Ivanova", city = "Varna", address = "ul. Slivnitsa 9", country = "BG",
            profileType = "individual",
            postalAddress = new
            {
                recipient = "Petra Ivanova", street = "ul. Slivnitsa 9", city = "Varna", postalCode = "9000",
                country = "BG",
            },
            version = profile.GetProperty("version").GetInt32(),
        });
        var billing = saved.GetProperty("billing");
        if (!billing.GetProperty("mayPayInvoices").GetBoolean())
        {
            throw new InvalidOperationException($"{login} may not pay after completing the profile: {billing}");
        }

        await SendAsync(http, staffToken, HttpMethod.Post, $"/api/staff/balances/{customer.AccountId}/credits", new
        {
            amount = Funds, currency = "EUR", paymentReference = $"panel-bench-{customer.AccountId:N}",
            note = "Load benchmark (bench/panel.sh)",
        });
        await WaitForAsync(http, tokens.AccessToken, "/api/notifications/settings");
        return customer;
    }

    // Every active order holds an address from the pool; a pool that earlier runs left short would turn orders into
    // 503 address_pool_exhausted.
    private static async Task CheckAddressPoolAsync(HttpClient http, string staffToken, int wanted, bool add)
    {
        var summary = await SendAsync(http, staffToken, HttpMethod.Get, "/api/staff/addresses/summary", null);
        var free = summary.GetProperty("free").GetInt32();
        for (var block = 0; add && free < wanted && block < 16; block++)
        {
            // Addresses already in the pool are left as they are: the free count says what the range added.
            var range = $"{BenchmarkNetwork}.{block * 16}.0-{BenchmarkNetwork}.{(block * 16) + 15}.255";
            await SendAsync(http, staffToken, HttpMethod.Post, "/api/staff/addresses", new { range });
            var was = free;
            summary = await SendAsync(http, staffToken, HttpMethod.Get, "/api/staff/addresses/summary", null);
            free = summary.GetProperty("free").GetInt32();
            Console.WriteLine($"added {range} to the address pool: {free - was:N0} more free addresses");
        }

        if (free < wanted)
        {
            await Console.Error.WriteLineAsync(
                $"warning: {free} free addresses in the pool, up to {wanted} wanted: add a range as staff " +
                "(POST /api/staff/addresses) or run with fewer customers");
        }
    }

    private static async Task<JsonElement> SendAsync(
        HttpClient http, string token, HttpMethod method, string path, object? body)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} {path} answered {(int)response.StatusCode}: {text}");
        }

        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    private static async Task<JsonElement> WaitForAsync(HttpClient http, string token, string path)
    {
        JsonElement found = default;
        var appeared = await Eventually.TrueAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var response = await http.SendAsync(request);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return false;
            }

            found = await response.Content.ReadFromJsonAsync<JsonElement>();
            return true;
        }, TimeSpan.FromMinutes(1));
        return appeared
            ? found
            : throw new InvalidOperationException($"GET {path} did not answer 200 within a minute of registration.");
    }
}
