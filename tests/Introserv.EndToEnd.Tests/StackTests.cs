using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Introserv.EndToEnd.Tests;

[Collection(StackDefinition.Name)]
public sealed class StackTests(StackFixture stack)
{
    public static TheoryData<string> Resources() => new(StackFixture.AllResources);

    public static TheoryData<string> Services() => new(PublicRoutes.Services);

    public static TheoryData<string, string> Routes()
    {
        var data = new TheoryData<string, string>();
        foreach (var (path, service) in PublicRoutes.All)
        {
            data.Add(path, service);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Resources))]
    public async Task Every_resource_becomes_healthy(string resource)
    {
        using var cts = new CancellationTokenSource(StackFixture.StartupTimeout);

        var state = await stack.App.ResourceNotifications.WaitForResourceHealthyAsync(resource, cts.Token);

        Assert.Equal(HealthStatus.Healthy, state.Snapshot.HealthStatus);
    }

    [Fact]
    public void Without_the_dashboard_no_project_is_told_to_export_telemetry_to_it()
    {
        // The stack runs without the dashboard here, as benchmarks do: no OTLP endpoint is configured, so
        // no service spends CPU exporting (and retrying) telemetry every second to an address nobody serves.
        foreach (var name in PublicRoutes.Services.Append(ResourceNames.Gateway))
        {
            Assert.True(stack.App.ResourceNotifications.TryGetCurrentState(name, out var resource), name);
            var variables = resource.Snapshot.EnvironmentVariables.Select(v => v.Name).ToList();
            Assert.Contains(variables, v => v.StartsWith("ConnectionStrings__", StringComparison.Ordinal));
            Assert.DoesNotContain("OTEL_EXPORTER_OTLP_ENDPOINT", variables);
        }
    }

    [Fact]
    public async Task Gateway_reports_healthy()
    {
        using var client = stack.CreateGatewayClient();

        var body = await client.GetStringAsync(new Uri("/health", UriKind.Relative));

        Assert.Equal("Healthy", body);
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Each_service_publishes_its_OpenAPI_document_through_the_gateway(string service)
    {
        using var client = stack.CreateGatewayClient();

        var document = await client.GetFromJsonAsync<JsonElement>(new Uri(
            $"/openapi/{service}/v1.json", UriKind.Relative));

        var title = document.GetProperty("info").GetProperty("title").GetString();
        Assert.Equal($"Introserv {char.ToUpperInvariant(service[0])}{service[1..]} API", title);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Every_public_route_reaches_a_service_through_the_gateway(string path, string service)
    {
        using var client = stack.CreateGatewayClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer",
            await stack.CustomerTokenAsync());

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        // The gateway answers route_not_found itself when no route matches, and 502/503/504 when the
        // service behind the route cannot be reached; anything else came from the service.
        Assert.True((int)response.StatusCode < 500, $"{path} ({service}) answered {(int)response.StatusCode}");
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.NotEqual("route_not_found", problem.GetProperty("code").GetString());
        }
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Only_registration_sign_in_and_OpenID_Connect_routes_are_anonymous(string path, string service)
    {
        using var client = stack.CreateGatewayClient();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        if (PublicRoutes.Anonymous.Contains(path))
        {
            Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
        }
        else
        {
            await Expect.StatusAsync(HttpStatusCode.Unauthorized, response);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("unauthorized", problem.GetProperty("code").GetString());
            Assert.True(response.Headers.WwwAuthenticate.Count > 0, $"{path} ({service})");
        }
    }

    [Fact]
    public async Task A_path_outside_the_public_API_is_answered_by_the_gateway_with_route_not_found()
    {
        using var client = stack.CreateGatewayClient();

        using var response = await client.GetAsync(new Uri("/api/not-a-route", UriKind.Relative));

        await Expect.StatusAsync(HttpStatusCode.NotFound, response);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("route_not_found", problem.GetProperty("code").GetString());
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Each_service_serves_gRPC_and_reports_serving(string service)
    {
        var address = stack.App.GetEndpoint(service, ResourceNames.GrpcEndpoint);
        using var channel = GrpcChannel.ForAddress(address);

        var reply = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, reply.Status);
    }

    [Fact]
    public void Only_the_gateway_is_reachable_from_outside()
    {
        var model = stack.App.Services.GetRequiredService<DistributedApplicationModel>();

        var external = model.Resources
            .Where(r => r.Annotations.OfType<EndpointAnnotation>().Any(e => e.IsExternal))
            .Select(r => r.Name)
            .ToList();

        Assert.Equal([ResourceNames.Gateway], external);
    }

    [Fact]
    public async Task A_customer_can_register_through_the_gateway_and_the_login_is_then_taken()
    {
        using var client = stack.CreateGatewayClient();
        var login = $"e2e.{Guid.NewGuid():N}"[..20];
        var request = new
        {
            login,
            password = "violet canyon 42 lamps",
            email = $"{login}@example.com",
            firstName = "Jane",
            lastName = "Doe"
        };

        using var created = await client.PostAsJsonAsync(new Uri("/api/accounts", UriKind.Relative), request);
        using var again = await client.PostAsJsonAsync(new Uri("/api/accounts", UriKind.Relative), request with { });

        await Expect.StatusAsync(HttpStatusCode.Created, created);
        Assert.Equal(login, (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("login").GetString());
        await Expect.StatusAsync(HttpStatusCode.Conflict, again);
        Assert.Equal("login_taken",
            (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString());
    }
}
