using System.Text;

namespace Introserv.Orders.Tests;

// Requests the framework cannot bind, against a real service (Orders): each is a 4xx problem with a stable code
// naming the field or parameter, never a 500, and nothing is written.
public sealed class InputErrorTests(OrdersServiceFactory factory) : IClassFixture<OrdersServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    private static async Task<(HttpStatusCode Status, string? Code, JsonElement Problem)> ReadAsync(
        HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (response.StatusCode, problem.GetProperty("code").GetString(), problem);
    }

    private static async Task<(HttpStatusCode Status, string? Code, JsonElement Problem)> PostOrderAsync(
        HttpClient http, string body, string mediaType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/orders")
        {
            Content = new StringContent(body, Encoding.UTF8, mediaType),
        };
        request.Headers.Add("Idempotency-Key", Guid.NewGuid().ToString());
        using var response = await http.SendAsync(request);
        return await ReadAsync(response);
    }

    public static TheoryData<string, string, string?> MalformedBodies => new()
    {
        { "{\"planId\": \"vps-s\", ", "invalid_json", null },
        { "{\"planId\": 5, \"periodMonths\": 1}", "invalid_json", "planId" },
        { "{\"planId\": \"vps-s\", \"periodMonths\": \"twelve\"}", "invalid_json", "periodMonths" },
        { "{\"planId\": \"vps\\u0000-s\", \"periodMonths\": 1}", "invalid_json", "planId" },
        { "{\"planId\": \"\\u202Es-spv\", \"periodMonths\": 1}", "invalid_json", "planId" },
        { "{\"planId\": [\"vps-s\"], \"periodMonths\": 1}", "invalid_json", "planId" },
        { "[]", "invalid_json", null },
        { "\"vps-s\"", "invalid_json", null },
        { "null", "missing_parameter", null },
        { "", "missing_parameter", null },
        { new string('[', 200) + new string(']', 200), "invalid_json", null },
        { "{\"planId\": \"\\ud800\", \"periodMonths\": 1, \"x\": " + new string('{', 100) + new string('}', 100) + "}",
            "invalid_json", null },
    };

    [Theory]
    [MemberData(nameof(MalformedBodies))]
    public async Task A_body_that_cannot_be_bound_is_a_400_problem_naming_the_field(
        string body, string code, string? field)
    {
        var accountId = await factory.PayingCustomerAsync(100m);
        using var http = factory.Customer(accountId);

        var (status, actual, problem) = await PostOrderAsync(http, body);

        Assert.Equal((HttpStatusCode.BadRequest, code), (status, actual));
        if (field is not null)
        {
            Assert.Equal(field, problem.GetProperty("field").GetString());
        }

        var orders = await http.GetFromJsonAsync<JsonElement>("/api/orders/history");
        Assert.Contains("[]", orders.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_a_415_problem()
    {
        using var http = factory.Customer(await factory.PayingCustomerAsync(0m));

        var (form, formCode, _) = await PostOrderAsync(http, "planId=vps-s&periodMonths=1",
            "application/x-www-form-urlencoded");
        var (text, textCode, _) = await PostOrderAsync(http, "{\"planId\": \"vps-s\"}", "text/plain");

        Assert.Equal((HttpStatusCode.UnsupportedMediaType, "unsupported_media_type"), (form, formCode));
        Assert.Equal((HttpStatusCode.UnsupportedMediaType, "unsupported_media_type"), (text, textCode));
    }

    [Fact]
    public async Task A_body_over_the_limit_is_a_413_problem()
    {
        using var http = factory.Customer(await factory.PayingCustomerAsync(0m));

        var huge = JsonSerializer.Serialize(new { planId = new string('x', 300 * 1024), periodMonths = 1 });

        var (status, code, _) = await PostOrderAsync(http, huge);

        Assert.Equal((HttpStatusCode.RequestEntityTooLarge, "payload_too_large"), (status, code));
    }

    [Theory]
    [InlineData("/api/orders/history?from=not-a-date", "from")]
    [InlineData("/api/orders/history?limit=ten", "limit")]
    [InlineData("/api/orders/history?limit=99999999999999", "limit")]
    [InlineData("/api/invoices?limit=1e3", "limit")]
    [InlineData("/api/invoices?status=paid%00", "status")]
    [InlineData("/api/orders/history?status=%E2%80%AEdiap", "status")]
    public async Task An_unparsable_query_value_is_a_400_problem_naming_the_parameter(string path, string parameter)
    {
        using var http = factory.Customer(Guid.NewGuid());

        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        var (status, code, problem) = await ReadAsync(response);

        Assert.Equal((HttpStatusCode.BadRequest, "invalid_parameter"), (status, code));
        Assert.Equal(parameter, problem.GetProperty("parameter").GetString());
    }
}
