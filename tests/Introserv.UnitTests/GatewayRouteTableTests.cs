using System.Text.Json;
using Introserv.Testing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Template;

namespace Introserv.UnitTests;

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
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "gateway.appsettings.json")));
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

    private static bool Matches(string template, string path)
    {
        var matcher = new TemplateMatcher(TemplateParser.Parse(template.TrimStart('/')), new RouteValueDictionary());
        return matcher.TryMatch(new PathString(path), new RouteValueDictionary());
    }

    private static List<(string, string, string)> LoadRoutes()
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "gateway.appsettings.json")));
        return document.RootElement.GetProperty("ReverseProxy").GetProperty("Routes").EnumerateObject()
            .Select(r => (
                r.Name,
                r.Value.GetProperty("Match").GetProperty("Path").GetString()!,
                r.Value.GetProperty("ClusterId").GetString()!))
            .ToList();
    }
}
