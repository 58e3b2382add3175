using System.Text;
using System.Text.RegularExpressions;

namespace Introserv.Orders.Tests;

// Each plan's order form: GET /api/plans describes it, POST /api/orders checks every field by name (nothing is ordered
// or charged when one is refused), the values are kept with the order, shown with it and go through a retry.
public sealed class OrderFormTests(OrdersServiceFactory factory) : IClassFixture<OrdersServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task The_plans_describe_their_order_forms()
    {
        using var anonymous = factory.CreateClient();
        var plans = await anonymous.GetFromJsonAsync<JsonElement>("/api/plans");
        JsonElement Form(string planId) => plans.EnumerateArray()
            .Single(p => p.GetProperty("id").GetString() == planId).GetProperty("orderForm");

        var vps = Form("vps-s");
        var dedicated = Form("ds-e3");

        Assert.Equal(["os", "hostname"], vps.EnumerateArray().Select(f => f.GetProperty("name").GetString()));
        Assert.Equal(["os", "hostname", "location"],
            dedicated.EnumerateArray().Select(f => f.GetProperty("name").GetString()));
        Assert.All(dedicated.EnumerateArray(), f => Assert.True(f.GetProperty("required").GetBoolean()));
        var os = vps[0];
        Assert.Equal(("choice", "Operating system"),
            (os.GetProperty("type").GetString(), os.GetProperty("label").GetString()));
        Assert.Contains(os.GetProperty("choices").EnumerateArray(),
            c => c.GetProperty("value").GetString() == "debian-12"
                && c.GetProperty("label").GetString() == "Debian 12");
        Assert.DoesNotContain(os.GetProperty("choices").EnumerateArray(),
            c => c.GetProperty("value").GetString() == "windows-server-2022");
        Assert.Contains(dedicated[0].GetProperty("choices").EnumerateArray(),
            c => c.GetProperty("value").GetString() == "windows-server-2022");
        Assert.Contains(dedicated[2].GetProperty("choices").EnumerateArray(),
            c => c.GetProperty("value").GetString() == "sofia");
        // The hostname's pattern is one a client can run as it is.
        var hostname = vps[1];
        Assert.Equal(("text", 253), (hostname.GetProperty("type").GetString(),
            hostname.GetProperty("maxLength").GetInt32()));
        var pattern = new Regex(hostname.GetProperty("pattern").GetString()!, RegexOptions.ECMAScript);
        Assert.Matches(pattern, "web1.example.com");
        Assert.DoesNotMatch(pattern, "-web1.example.com");
        Assert.DoesNotMatch(pattern, "web_1.example.com");
    }

    public static TheoryData<string, string[]> RefusedForms => new()
    {
        // Nothing filled in: every required field is named.
        { "{}", ["fields.os", "fields.hostname"] },
        { """{"os":"debian-12"}""", ["fields.hostname"] },
        { """{"os":"windows-95","hostname":"web1.example.com"}""", ["fields.os"] },
        { """{"os":"debian-12","hostname":"web_1..example.com"}""", ["fields.hostname"] },
        { """{"os":"debian-12","hostname":"   "}""", ["fields.hostname"] },
        { """{"os":null,"hostname":"web1.example.com"}""", ["fields.os"] },
        { """{"os":"debian-12","hostname":"web1.example.com","location":"sofia"}""", ["fields"] },
        { """{"os":"debian-12","OS":"ubuntu-24.04","hostname":"web1.example.com"}""", ["fields.os"] },
        { $$"""{"os":"debian-12","hostname":"{{string.Join('.', Enumerable.Repeat(new string('a', 60), 5))}}"}""",
            ["fields.hostname"] },
        { "{" + string.Join(",", Enumerable.Range(0, 17).Select(i => $"\"f{i}\":\"x\"")) + "}", ["fields"] },
    };

    [Theory]
    [MemberData(nameof(RefusedForms))]
    public async Task A_form_with_a_refused_field_names_it_and_orders_nothing(string fields, string[] named)
    {
        var accountId = await factory.PayingCustomerAsync(100m);
        using var http = factory.Customer(accountId);

        var (status, problem) = await PostFormAsync(http, "vps-s", fields);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("validation_failed", problem.GetProperty("code").GetString());
        Assert.Equal(named.Order(), problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order());
        Assert.Equal(100m, await OrdersServiceFactory.BalanceAsync(http));
        var history = await http.GetFromJsonAsync<JsonElement>("/api/orders/history");
        Assert.Empty(history.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task An_order_without_its_form_or_with_a_form_of_the_wrong_shape_is_refused()
    {
        var accountId = await factory.PayingCustomerAsync(100m);
        using var http = factory.Customer(accountId);

        var (missing, missingProblem) = await PostAsync(http, """{"planId":"ds-e3","periodMonths":1}""");
        var (text, textProblem) = await PostAsync(http, """{"planId":"vps-s","periodMonths":1,"fields":"debian"}""");
        var (number, numberProblem) = await PostAsync(http,
            """{"planId":"vps-s","periodMonths":1,"fields":{"os":12,"hostname":"web1.example.com"}}""");

        Assert.Equal((HttpStatusCode.BadRequest, "validation_failed"),
            (missing, missingProblem.GetProperty("code").GetString()));
        Assert.Equal(["fields.hostname", "fields.location", "fields.os"],
            missingProblem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order());
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_json"), (text, textProblem.GetProperty("code").GetString()));
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_json"),
            (number, numberProblem.GetProperty("code").GetString()));
        Assert.Equal(100m, await OrdersServiceFactory.BalanceAsync(http));
    }

    [Fact]
    public async Task The_form_is_kept_with_the_order_shown_with_it_and_a_retry_written_differently_is_the_same_order()
    {
        var accountId = await factory.PayingCustomerAsync(500m);
        using var http = factory.Customer(accountId);
        var key = Guid.NewGuid().ToString();

        var (placed, order) = await PostFormAsync(http, "ds-e3",
            """{"hostname":" Web1.Example.COM ","os":"Debian-12","location":"sofia"}""", key);
        // The same order, its fields in another order and case: the first answer again, nothing charged twice.
        var (retried, again) = await PostFormAsync(http, "ds-e3",
            """{"location":"SOFIA","os":"debian-12","hostname":"web1.example.com"}""", key);
        var (reused, reusedProblem) = await PostFormAsync(http, "ds-e3",
            """{"location":"sofia","os":"debian-12","hostname":"web2.example.com"}""", key);
        var id = order.GetProperty("id").GetGuid();
        var details = await http.GetFromJsonAsync<JsonElement>($"/api/orders/{id}");
        var active = await http.GetFromJsonAsync<JsonElement>("/api/orders");

        Assert.Equal(HttpStatusCode.Created, placed);
        var expected = new Dictionary<string, string>
        {
            ["os"] = "debian-12", ["hostname"] = "web1.example.com", ["location"] = "sofia",
        };
        Assert.Equal(expected, Fields(order));
        Assert.Equal((HttpStatusCode.Created, id), (retried, again.GetProperty("id").GetGuid()));
        Assert.Equal((HttpStatusCode.UnprocessableEntity, "idempotency_key_reused"),
            (reused, reusedProblem.GetProperty("code").GetString()));
        Assert.Equal(expected, Fields(details));
        Assert.Equal(expected, Fields(Assert.Single(active.GetProperty("items").EnumerateArray())));
        Assert.Equal(500m - 89m - 49m, await OrdersServiceFactory.BalanceAsync(http));
    }

    private static Dictionary<string, string> Fields(JsonElement order) =>
        order.GetProperty("fields").EnumerateObject().ToDictionary(f => f.Name, f => f.Value.GetString()!);

    // One month of planId with the given form (a JSON value, as a client sends it).
    private static Task<(HttpStatusCode Status, JsonElement Body)> PostFormAsync(
        HttpClient http, string planId, string fields, string? key = null) =>
        PostAsync(http, $$"""{"planId":"{{planId}}","periodMonths":1,"fields":{{fields}}}""", key);

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(
        HttpClient http, string body, string? key = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Idempotency-Key", key ?? Guid.NewGuid().ToString());
        using var response = await http.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }
}
