namespace Introserv.Orders.Tests;

// Staff manage the address pool through /api/staff/addresses; customers cannot.
public sealed class AddressInventoryTests(OrdersServiceFactory factory)
    : IClassFixture<OrdersServiceFactory>, IAsyncLifetime
{
    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Staff_add_ranges_once_and_see_which_order_holds_an_address()
    {
        using var staff = factory.Staff();

        var first = await AddAsync(staff, "192.0.2.1-192.0.2.20");
        var again = await AddAsync(staff, "192.0.2.1-192.0.2.20");
        var overlapping = await AddAsync(staff, "192.0.2.15-192.0.2.25");
        var v6 = await AddAsync(staff, "2001:DB8::1-2001:db8:0::4");
        var free = await staff.GetFromJsonAsync<JsonElement>("/api/staff/addresses/192.0.2.5");
        var canonical = await staff.GetFromJsonAsync<JsonElement>("/api/staff/addresses/2001:db8:0:0::3");

        Assert.Equal((20, 0), first);
        Assert.Equal((0, 20), again);
        Assert.Equal((5, 6), overlapping);
        Assert.Equal((4, 0), v6);
        Assert.Equal(("192.0.2.5", "free"),
            (free.GetProperty("address").GetString(), free.GetProperty("state").GetString()));
        Assert.Equal(JsonValueKind.Null, free.GetProperty("orderId").ValueKind);
        Assert.Equal("2001:db8::3", canonical.GetProperty("address").GetString());

        var accountId = await factory.PayingCustomerAsync(50m);
        using var customer = factory.Customer(accountId);
        var (status, order) = await OrdersServiceFactory.OrderAsync(customer,
            OrderForms.Body("vps-s", 1), Guid.NewGuid().ToString());
        Assert.Equal(HttpStatusCode.Created, status);
        var ip = order.GetProperty("ipAddress").GetString();
        var held = await staff.GetFromJsonAsync<JsonElement>($"/api/staff/addresses/{ip}");
        var assigned = await staff.GetFromJsonAsync<JsonElement>("/api/staff/addresses?state=assigned&limit=100");

        Assert.Equal("assigned", held.GetProperty("state").GetString());
        Assert.Equal(order.GetProperty("id").GetGuid(), held.GetProperty("orderId").GetGuid());
        Assert.Equal(accountId, held.GetProperty("accountId").GetGuid());
        Assert.Contains(assigned.GetProperty("items").EnumerateArray(),
            a => a.GetProperty("address").GetString() == ip);
    }

    [Fact]
    public async Task The_whole_pool_reads_once_page_by_page_and_agrees_with_the_summary()
    {
        using var staff = factory.Staff();
        await AddAsync(staff, "192.0.2.100-192.0.2.140");
        var summary = await staff.GetFromJsonAsync<JsonElement>("/api/staff/addresses/summary");
        var total = summary.GetProperty("free").GetInt32()
            + summary.GetProperty("assigned").GetInt32()
            + summary.GetProperty("retired").GetInt32();

        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await staff.GetFromJsonAsync<JsonElement>(
                $"/api/staff/addresses?limit=37{(cursor is null ? "" : $"&cursor={cursor}")}");
            seen.AddRange(page.GetProperty("items")
                .EnumerateArray()
                .Select(a => a.GetProperty("address").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
        }
        while (cursor is not null);

        Assert.True(total >= 482 + 41, $"the pool holds {total}");
        Assert.Equal(total, seen.Count);
        Assert.Equal(seen.Count, seen.Distinct().Count());
    }

    [Theory]
    [InlineData("192.0.2.9-192.0.2.1")] // backwards
    [InlineData("10.0.0.0-10.0.255.255")] // more than 4096
    [InlineData("127.0.0.1")]
    [InlineData("::1")]
    [InlineData("224.0.0.1")]
    [InlineData("169.254.1.1")]
    [InlineData("fe80::1")]
    [InlineData("::ffff:192.0.2.1")]
    [InlineData("10.1")] // parses as 10.0.0.1: refused, not guessed
    [InlineData("192.0.2.1-2001:db8::1")]
    [InlineData("not an address")]
    [InlineData("")]
    [InlineData(null)]
    public async Task A_range_that_is_not_one_of_usable_addresses_is_refused_and_adds_nothing(string? range)
    {
        using var staff = factory.Staff();
        var before = await factory.QueryAsync(db => db.AddressPool.CountAsync());

        using var response = await staff.PostAsJsonAsync("/api/staff/addresses", new { range });
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("validation_failed", body.GetProperty("code").GetString());
        Assert.True(body.GetProperty("errors").TryGetProperty("range", out _));
        Assert.Equal(before, await factory.QueryAsync(db => db.AddressPool.CountAsync()));
    }

    [Theory]
    [InlineData("GET", "/api/staff/addresses/not-an-ip", 400, "invalid_address")]
    [InlineData("GET", "/api/staff/addresses/10.1", 400, "invalid_address")]
    [InlineData("POST", "/api/staff/addresses/nope/retire", 400, "invalid_address")]
    [InlineData("GET", "/api/staff/addresses/192.0.2.254", 404, "address_not_found")]
    [InlineData("POST", "/api/staff/addresses/192.0.2.254/retire", 404, "address_not_found")]
    [InlineData("POST", "/api/staff/addresses/192.0.2.254/reinstate", 404, "address_not_found")]
    [InlineData("GET", "/api/staff/addresses?cursor=%%%", 400, "invalid_cursor")]
    [InlineData("GET", "/api/staff/addresses?cursor=bm90LWFuLWlw", 400, "invalid_cursor")] // "not-an-ip"
    [InlineData("GET", "/api/staff/addresses?state=gone", 400, "validation_failed")]
    [InlineData("GET", "/api/staff/addresses?limit=0", 400, "invalid_parameter")]
    [InlineData("GET", "/api/staff/addresses?limit=101", 400, "invalid_parameter")]
    public async Task Bad_addresses_cursors_and_filters_get_a_coded_problem(
        string method, string path, int status, string code)
    {
        using var staff = factory.Staff();

        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        using var response = await staff.SendAsync(request);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(code, body.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("GET", "/api/staff/addresses")]
    [InlineData("GET", "/api/staff/addresses/summary")]
    [InlineData("GET", "/api/staff/addresses/203.0.113.10")]
    [InlineData("POST", "/api/staff/addresses")]
    [InlineData("POST", "/api/staff/addresses/203.0.113.10/retire")]
    [InlineData("POST", "/api/staff/addresses/203.0.113.10/reinstate")]
    public async Task Customers_cannot_see_or_change_the_pool(string method, string path)
    {
        using var customer = factory.Customer(Guid.NewGuid());
        using var anonymous = factory.CreateClient();

        using var customerRequest = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = JsonContent.Create(new { range = "192.0.2.200" })
        };
        using var anonymousRequest = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = JsonContent.Create(new { range = "192.0.2.200" })
        };
        using var asCustomer = await customer.SendAsync(customerRequest);
        using var asNobody = await anonymous.SendAsync(anonymousRequest);

        Assert.Equal(HttpStatusCode.Forbidden, asCustomer.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, asNobody.StatusCode);
        Assert.Equal(0, await factory.QueryAsync(db => db.AddressPool.CountAsync(
            a => a.Address == "192.0.2.200" || a.RetiredAt != null)));
    }

    internal static async Task<(int Added, int AlreadyPresent)> AddAsync(HttpClient staff, string range)
    {
        using var response = await staff.PostAsJsonAsync("/api/staff/addresses", new { range });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("added").GetInt32(), body.GetProperty("alreadyPresent").GetInt32());
    }
}
