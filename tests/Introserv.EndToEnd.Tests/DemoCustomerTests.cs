using System.Net.Http.Headers;

namespace Introserv.EndToEnd.Tests;

// Local runs seed a demo customer a front-end developer can sign in as at once: a balance and two orders.
[Collection(StackDefinition.Name)]
public sealed class DemoCustomerTests(StackFixture stack)
{
    [Fact]
    public async Task The_demo_customer_signs_in_and_has_a_balance_and_two_active_orders()
    {
        using var api = stack.CreateGatewayClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            (await stack.NewBrowser().SignInAsync("demo", "local-demo-only-2026")).AccessToken);

        // Orders seeds at start-up; the stack is healthy before that is certain, so wait for it.
        var orders = await Eventually.ValueAsync(
            async () => (await api.GetFromJsonAsync<JsonElement>("/api/orders")).GetProperty("items"),
            items => items.GetArrayLength() == 2,
            TimeSpan.FromSeconds(30));

        var balance = await api.GetFromJsonAsync<JsonElement>("/api/balance");

        Assert.Equal(["vps-m", "vps-s"],
            orders.EnumerateArray().Select(o => o.GetProperty("planId").GetString()).Order());
        Assert.All(orders.EnumerateArray(), o => Assert.Equal("active", o.GetProperty("status").GetString()));
        // Their order forms filled in as the demo configuration has them.
        Assert.Equal(["db1.demo.example", "web1.demo.example"], orders.EnumerateArray()
            .Select(o => o.GetProperty("fields").GetProperty("hostname").GetString()).Order());
        // Charged gross: the demo profile names no country yet, so the seller's (BG, 20 % VAT) applies:
        // 9.90 + 1.98 and 57.91 + 11.58.
        Assert.Equal(150.00m - 11.88m - 69.49m, balance.GetProperty("balance").GetDecimal());
    }

    // Identity creates the demo customer at start-up and publishes AccountRegistered at once: Profile and Notifications
    // must have their queues by then (an event published before a queue exists is dropped), or the demo customer has
    // no profile, no notification settings, and every mail about its seeded orders fails.
    [Fact]
    public async Task The_demo_customer_has_a_profile_notification_settings_and_the_mails_of_its_orders()
    {
        using var api = stack.CreateGatewayClient();
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            (await stack.NewBrowser().SignInAsync("demo", "local-demo-only-2026")).AccessToken);

        var (profile, _) = await StackFixture.WaitForProfileAsync(api);
        Assert.Equal("Demo", profile.GetProperty("firstName").GetString());
        Assert.Equal("demo@introserv.localhost", profile.GetProperty("email").GetString());

        using var settings = await api.GetAsync("/api/notifications/settings");
        await Expect.StatusAsync(HttpStatusCode.OK, settings);

        // The welcome and one order-placed mail for each of the two seeded orders, sent.
        var sent = await Eventually.ValueAsync(
            async () => await JsonApi.AllPagesAsync(api, "/api/notifications",
                n => $"{n.GetProperty("type").GetString()} {n.GetProperty("status").GetString()}"),
            log => log.Contains("welcome sent") && log.Count(e => e == "order_placed sent") == 2,
            TimeSpan.FromSeconds(60));
        Assert.Contains("welcome sent", sent);
        Assert.Equal(2, sent.Count(e => e == "order_placed sent"));
    }
}
