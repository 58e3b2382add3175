using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;

namespace Introserv.Gateway.Tests;

public sealed class GatewayRouteTableTests
{
    private static readonly IReadOnlyList<(string Name, string Template, string Cluster)> Routes = LoadRoutes();

    public static TheoryData<string, string> PublicRouteData()
    {
        var data = new TheoryData<string, string>();
        foreach (var (path, service) in PublicRoutes.All)
        {
            data.Add(path, service);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(PublicRouteData))]
    public void Every_public_route_is_routed_to_the_service_that_owns_it(string path, string service)
    {
        var matches = Routes.Where(r => Matches(r.Template, path)).Select(r => r.Cluster).Distinct().ToList();

        Assert.Equal([service], matches);
    }

    [Fact]
    public void Every_cluster_resolves_its_service_by_name_through_service_discovery()
    {
        using var document = JsonDocument.Parse(
            File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "gateway.appsettings.json")));
        var clusters = document.RootElement.GetProperty("ReverseProxy").GetProperty("Clusters");

        foreach (var service in PublicRoutes.Services)
        {
            var destinations = clusters.GetProperty(service).GetProperty("Destinations").EnumerateObject()
                .Select(d => d.Value.GetProperty("Address").GetString())
                .ToList();
            Assert.Equal([$"http://{service}"], destinations);
        }
    }

    [Theory]
    [InlineData("/api/unknown")]
    [InlineData("/internal/health")]
    [InlineData("/api")]
    public void Paths_outside_the_public_api_match_no_route(string path)
    {
        Assert.DoesNotContain(Routes, r => Matches(r.Template, path));
    }

    [Fact]
    public void Every_route_states_its_authorization_and_rate_limit_policy_and_only_the_listed_ones_are_anonymous()
    {
        using var document = JsonDocument.Parse(
            File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "gateway.appsettings.json")));
        var routes = document.RootElement.GetProperty("ReverseProxy").GetProperty("Routes").EnumerateObject().ToList();

        foreach (var route in routes)
        {
            var policy = route.Value.GetProperty("AuthorizationPolicy").GetString();
            Assert.Contains(policy, new[] { "anonymous", "default" });
            Assert.Contains(
                route.Value.GetProperty("RateLimiterPolicy").GetString(), new[] { "anonymous", "api", "callbacks" });
        }

        // Payment providers' callbacks, and only they, have a budget of their own.
        Assert.Equal(
            ["payment-callbacks"],
            routes.Where(r => r.Value.GetProperty("RateLimiterPolicy").GetString() == "callbacks").Select(r => r.Name));

        var anonymous = routes.Where(r => r.Value.GetProperty("AuthorizationPolicy").GetString() == "anonymous")
            .Select(r => r.Name)
            .Order()
            .ToList();
        Assert.Equal(
            ["accounts", "countries", "invoice-links", "login-pages", "oidc-connect", "oidc-well-known",
                "openapi-identity", "openapi-notifications", "openapi-orders", "openapi-profile",
                "openapi-verification", "payment-callbacks", "plans"],
            anonymous);
    }

    [Theory]
    [MemberData(nameof(PublicRouteData))]
    public void Anonymous_public_routes_are_exactly_the_listed_ones(string path, string service)
    {
        using var document = JsonDocument.Parse(
            File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "gateway.appsettings.json")));
        var routes = document.RootElement.GetProperty("ReverseProxy").GetProperty("Routes");
        var route = Routes.Single(r => Matches(r.Template, path));

        var anonymous = routes.GetProperty(route.Name).GetProperty("AuthorizationPolicy").GetString() == "anonymous";

        Assert.Equal(PublicRoutes.Anonymous.Contains(path), anonymous);
        Assert.NotEmpty(service);
    }

    private static bool Matches(string template, string path)
    {
        var matcher = new TemplateMatcher(TemplateParser.Parse(template.TrimStart('/')), new RouteValueDictionary());
        return matcher.TryMatch(new PathString(path), new RouteValueDictionary());
    }

    private static List<(string, string, string)> LoadRoutes()
    {
        using var document = JsonDocument.Parse(
            File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "gateway.appsettings.json")));
        return document.RootElement.GetProperty("ReverseProxy").GetProperty("Routes").EnumerateObject()
            .Select(r => (
                r.Name,
                r.Value.GetProperty("Match").GetProperty("Path").GetString()!,
                r.Value.GetProperty("ClusterId").GetString()!))
            .ToList();
    }
}

public sealed class ApiReferenceMergeTests
{
    private static System.Text.Json.Nodes.JsonNode Doc(string json) => System.Text.Json.Nodes.JsonNode.Parse(json)!;

    [Fact]
    public void Paths_of_every_service_are_combined_and_shared_schemas_appear_once()
    {
        var identity = Doc(
            """
            {"paths":{"/api/accounts":{"post":{"responses":{"400":{"content":{"application/problem+json":{"schema":{"$ref":"#/components/schemas/Problem"}}}}}}}},"components":{"schemas":{"Problem":{"type":"object"}}},"tags":[{"name":"Accounts"}]}
            """);
        var orders = Doc(
            """
            {"paths":{"/api/orders":{"get":{}}},"components":{"schemas":{"Problem":{"type":"object"}}}}
            """);

        var merged = Introserv.Gateway.Docs.ApiReference.Merge([("identity", identity), ("orders", orders)]);

        Assert.Equal(["/api/accounts", "/api/orders"], merged["paths"]!.AsObject().Select(p => p.Key));
        Assert.Equal(["Problem"], merged["components"]!["schemas"]!.AsObject().Select(s => s.Key));
        Assert.Equal("bearer", merged["components"]!["securitySchemes"]!.AsObject().Single().Key);
    }

    [Fact]
    public void Clashing_schema_names_are_prefixed_with_the_service_and_references_follow()
    {
        var profile = Doc(
            """
            {"paths":{},"components":{"schemas":{"Address":{"type":"object","properties":{"city":{"type":"string"}}}}}}
            """);
        var orders = Doc(
            """
            {"paths":{"/api/orders":{"get":{"responses":{"200":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Address"}}}}}}}},"components":{"schemas":{"Address":{"type":"string"}}}}
            """);

        var merged = Introserv.Gateway.Docs.ApiReference.Merge([("profile", profile), ("orders", orders)]);

        var schemas = merged["components"]!["schemas"]!.AsObject();
        Assert.Equal("object", schemas["Address"]!["type"]!.GetValue<string>());
        Assert.Equal("string", schemas["orders.Address"]!["type"]!.GetValue<string>());
        Assert.Equal("#/components/schemas/orders.Address",
            merged["paths"]!["/api/orders"]!["get"]!["responses"]!["200"]!["content"]!["application/json"]!
                ["schema"]!["$ref"]!.GetValue<string>());
    }

    [Fact]
    public void An_unavailable_service_is_named_in_the_description()
    {
        var merged = Introserv.Gateway.Docs.ApiReference.Merge(
            [("identity", Doc("""{"paths":{}}""")), ("orders", null)]);

        Assert.Contains("Currently unavailable: orders", merged["info"]!["description"]!.GetValue<string>(),
            StringComparison.Ordinal);
    }
}
