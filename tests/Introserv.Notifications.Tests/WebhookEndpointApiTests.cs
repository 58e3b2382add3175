using System.Net.Sockets;
using System.Text;
using Introserv.Notifications.Webhooks;

namespace Introserv.Notifications.Tests;

// The staff API in the configuration a deployment gets by default (not Development, no settings): https only, no
// internal targets, and no way for a customer in.
public sealed class WebhookEndpointApiTests(NotificationsServiceFactory factory)
    : IClassFixture<NotificationsServiceFactory>, IAsyncLifetime
{
    private const string Internal = "Must not point at a loopback, private or link-local address.";

    private readonly HttpClient _staff = factory.Customer(Guid.NewGuid(), AuthenticationExtensions.StaffRole);

    public Task InitializeAsync() => factory.ResetDatabaseAsync();

    public Task DisposeAsync()
    {
        _staff.Dispose();
        return Task.CompletedTask;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> CreateAsync(object body)
    {
        using var response = await _staff.PostAsJsonAsync("/api/staff/webhooks", body);
        return (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
    }

    [Theory]
    [InlineData("http://93.184.216.34/hooks", "Must be https.")]
    [InlineData("https://127.0.0.1/hooks", Internal)]
    [InlineData("https://localhost:8443/hooks", "Must not point at this machine.")]
    [InlineData("https://10.1.2.3/hooks", Internal)]
    [InlineData("https://172.20.0.1/hooks", Internal)]
    [InlineData("https://192.168.1.10/hooks", Internal)]
    [InlineData("https://169.254.169.254/latest/meta-data", Internal)]
    [InlineData("https://100.64.0.1/hooks", Internal)]
    [InlineData("https://0.0.0.0/hooks", Internal)]
    [InlineData("https://[::1]/hooks", Internal)]
    [InlineData("https://[fd00::1]/hooks", Internal)]
    [InlineData("https://[fe80::1]/hooks", Internal)]
    [InlineData("https://[::ffff:10.0.0.1]/hooks", Internal)]
    [InlineData("https://user:pass@93.184.216.34/hooks", "No user name or password in the URL.")]
    [InlineData("ftp://93.184.216.34/hooks", "An absolute https URL.")]
    [InlineData("/relative/hooks", "An absolute https URL.")]
    public async Task An_endpoint_outside_Development_must_be_https_and_public(string url, string message)
    {
        var (status, body) = await CreateAsync(new { url });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("validation_failed", body.GetProperty("code").GetString());
        Assert.Equal(message, body.GetProperty("errors").GetProperty("url")[0].GetString());
    }

    [Fact]
    public async Task A_public_https_endpoint_is_created_its_secret_answered_once_and_managed()
    {
        var (status, created) = await CreateAsync(new
        {
            url = "https://93.184.216.34/hooks", eventTypes = new[] { "order.placed", "order.cancelled" },
            description = "Provisioning",
        });
        Assert.Equal(HttpStatusCode.Created, status);
        var secret = created.GetProperty("secret").GetString()!;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        Assert.Equal(32, Convert.FromBase64String(secret["whsec_".Length..]).Length);
        var id = created.GetProperty("endpoint").GetProperty("id").GetGuid();
        // Kept encrypted: the database holds no copy of the secret.
        var stored = await factory.QueryAsync(db => db.WebhookEndpoints.Select(e => e.Secret).SingleAsync());
        Assert.StartsWith("v1.", stored, StringComparison.Ordinal);
        Assert.DoesNotContain(secret["whsec_".Length..], stored, StringComparison.Ordinal);

        // Never shown again: not in the endpoint, not in the list.
        using var read = await _staff.GetAsync($"/api/staff/webhooks/{id}");
        var text = await read.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        Assert.DoesNotContain("\"secret\"", text, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, await _staff.GetStringAsync("/api/staff/webhooks"), StringComparison.Ordinal);

        using var update = await _staff.PutAsJsonAsync($"/api/staff/webhooks/{id}",
            new { enabled = false, eventTypes = Array.Empty<string>() });
        var updated = await update.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
        Assert.False(updated.GetProperty("enabled").GetBoolean());
        Assert.Equal(0, updated.GetProperty("eventTypes").GetArrayLength());
        Assert.Equal("Provisioning", updated.GetProperty("description").GetString());

        using var deleted = await _staff.DeleteAsync($"/api/staff/webhooks/{id}");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        using var gone = await _staff.GetAsync($"/api/staff/webhooks/{id}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("webhook_endpoint_not_found",
            (await gone.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Malformed_unknown_and_oversized_input_is_a_coded_400_never_a_500()
    {
        var (status, body) = await CreateAsync(new
        {
            url = "https://93.184.216.34/hooks", eventTypes = new[] { "order.placed", "order.exploded" },
        });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(body.GetProperty("errors").TryGetProperty("eventTypes[1]", out _), body.ToString());

        (status, body) = await CreateAsync(new { url = "https://93.184.216.34/" + new string('a', 3000) });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("validation_failed", body.GetProperty("code").GetString());

        (status, _) = await CreateAsync(new { url = "https://93.184.216.34/h", description = new string('d', 501) });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        (status, _) = await CreateAsync(new { url = "https://93.184.216.34/h", eventTypes = new string?[] { null } });
        Assert.Equal(HttpStatusCode.BadRequest, status);
        (status, _) = await CreateAsync(new { url = "https://93.184.216.34/h\nX-Injected: 1" });
        Assert.Equal(HttpStatusCode.BadRequest, status);

        foreach (var (method, path, json) in new[]
        {
            (HttpMethod.Post, "/api/staff/webhooks", "{\"url\":"),
            (HttpMethod.Post, "/api/staff/webhooks", "[]"),
            (HttpMethod.Post, "/api/staff/webhooks", "{\"url\":42}"),
            (HttpMethod.Put, $"/api/staff/webhooks/{Guid.NewGuid()}", "{\"enabled\":\"yes\"}"),
            (HttpMethod.Post, $"/api/staff/webhooks/{Guid.NewGuid()}/secret", "{\"overlapMinutes\":99999}"),
            (HttpMethod.Post, $"/api/staff/webhooks/{Guid.NewGuid()}/replay", "{}"),
            (HttpMethod.Post, $"/api/staff/webhooks/{Guid.NewGuid()}/replay", "{\"since\":\"yesterday\"}"),
        })
        {
            using var request = new HttpRequestMessage(method, path)
            {
                Content = new StringContent(json, Encoding.UTF8, "application/json"),
            };
            using var response = await _staff.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.BadRequest,
                $"{method} {path} {json}: {response.StatusCode}");
        }

        using var badStatus = await _staff.GetAsync($"/api/staff/webhooks/{Guid.NewGuid()}/deliveries?status=lost");
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
        using var badCursor = await _staff.GetAsync($"/api/staff/webhooks/{Guid.NewGuid()}/deliveries?cursor=zz");
        Assert.Equal(HttpStatusCode.BadRequest, badCursor.StatusCode);
        using var notFound = await _staff.GetAsync($"/api/staff/webhooks/{Guid.NewGuid()}/deliveries");
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        using var noDelivery = await _staff.PostAsync(
            $"/api/staff/webhooks/{Guid.NewGuid()}/deliveries/{Guid.NewGuid()}/replay", null);
        Assert.Equal("webhook_delivery_not_found",
            (await noDelivery.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task A_customer_cannot_reach_any_webhook_operation()
    {
        using var customer = factory.Customer(Guid.NewGuid(), "customer");
        var id = Guid.NewGuid();
        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, "/api/staff/webhooks"), (HttpMethod.Post, "/api/staff/webhooks"),
            (HttpMethod.Get, "/api/staff/webhooks/event-types"), (HttpMethod.Get, $"/api/staff/webhooks/{id}"),
            (HttpMethod.Put, $"/api/staff/webhooks/{id}"), (HttpMethod.Delete, $"/api/staff/webhooks/{id}"),
            (HttpMethod.Post, $"/api/staff/webhooks/{id}/secret"),
            (HttpMethod.Get, $"/api/staff/webhooks/{id}/deliveries"),
            (HttpMethod.Post, $"/api/staff/webhooks/{id}/replay"),
        })
        {
            using var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(new { }) };
            using var response = await customer.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {path}: {response.StatusCode}");
        }

        using var anonymous = factory.Api(null);
        using var unauthorized = await anonymous.GetAsync("/api/staff/webhooks");
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
    }

    [Fact]
    public async Task Twenty_parallel_creations_near_the_limit_stop_at_exactly_fifty_endpoints()
    {
        for (var i = 0; i < WebhookEndpointsApi.MaxEndpoints - 5; i++)
        {
            var (created, _) = await CreateAsync(new { url = $"https://93.184.216.34/h/{i}" });
            Assert.Equal(HttpStatusCode.Created, created);
        }

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            CreateAsync(new { url = $"https://93.184.216.34/parallel/{i}" })));
        Assert.Equal(5, results.Count(r => r.Status == HttpStatusCode.Created));
        Assert.All(results.Where(r => r.Status != HttpStatusCode.Created), r =>
        {
            Assert.Equal(HttpStatusCode.Conflict, r.Status);
            Assert.Equal("webhook_endpoint_limit_reached", r.Body.GetProperty("code").GetString());
        });
        var all = await _staff.GetFromJsonAsync<JsonElement>("/api/staff/webhooks");
        Assert.Equal(WebhookEndpointsApi.MaxEndpoints, all.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task At_send_time_a_name_that_resolves_to_this_machine_is_not_connected_to_outside_Development()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;

        using var guarded = new HttpClient(WebhookTargets.Handler(allowLocal: false));
        var refused = await Assert.ThrowsAsync<HttpRequestException>(
            () => guarded.PostAsync($"http://localhost:{port}/hooks", new StringContent("{}")));
        Assert.IsType<WebhookTargetRefusedException>(refused.InnerException);
        Assert.False(listener.Pending());

        // The same request with local targets allowed does connect (the check above is what stopped it).
        using var local = new HttpClient(WebhookTargets.Handler(allowLocal: true))
        {
            Timeout = TimeSpan.FromSeconds(1),
        };
        await Assert.ThrowsAnyAsync<Exception>(() => local.PostAsync($"http://localhost:{port}/hooks",
            new StringContent("{}")));
        Assert.True(listener.Pending());
    }
}
