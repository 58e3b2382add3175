using System.Xml.Linq;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Aspire.Hosting.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace Introserv.EndToEnd.Tests.Deployment;

// What the AppHost says each deployable project needs: the environment it gives the process (configuration
// keys), the resources it references (who calls whom) and the container repository in its project file.
// The manifests are checked against this, so a setting added to the AppHost and not to Kubernetes fails.
public sealed record AppHostWorkload(
    string Name, IReadOnlySet<string> EnvironmentKeys, IReadOnlySet<string> References, string ContainerRepository)
{
    // Loads the AppHost's model (built, not started) once per test run.
    public static Task<IReadOnlyList<AppHostWorkload>> All => Loaded.Value;

    private static readonly Lazy<Task<IReadOnlyList<AppHostWorkload>>> Loaded = new(LoadAsync);

    private static async Task<IReadOnlyList<AppHostWorkload>> LoadAsync()
    {
        _ = LocalInfra.Current; // the AppHost reads the local servers' settings while it is built
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.Introserv_AppHost>(
            ["Infra:Mode=local", "Gateway:Port=0"],
            (options, _) => options.DisableDashboard = true,
            cts.Token);

        // Development tools (IsPublishable=false, e.g. the stand-in telephony provider) are never deployed.
        var projects = builder.Resources
            .OfType<ProjectResource>()
            .Where(p => IsDeployable(p.GetProjectMetadata().ProjectPath))
            .ToList();
        var names = projects.Select(p => p.Name).ToHashSet();
        var workloads = new List<AppHostWorkload>();
        foreach (var project in projects)
        {
            // Publish mode: values stay expressions (no endpoint has to be allocated); only the keys matter here.
            var configuration = await ExecutionConfigurationBuilder.Create(project)
                .WithEnvironmentVariablesConfig()
                .BuildAsync(new DistributedApplicationExecutionContext(DistributedApplicationOperation.Publish),
                    NullLogger.Instance, cts.Token);
            if (configuration.Exception is { } error)
            {
                throw new InvalidOperationException(
                    $"The AppHost's environment for {project.Name} could not be evaluated", error);
            }

            var environment = configuration.EnvironmentVariables;
            var references = project.Annotations.OfType<ResourceRelationshipAnnotation>()
                .Where(a => a.Type == "Reference" && names.Contains(a.Resource.Name))
                .Select(a => a.Resource.Name)
                .ToHashSet();
            workloads.Add(new AppHostWorkload(
                project.Name,
                environment.Select(e => e.Key).ToHashSet(StringComparer.Ordinal),
                references,
                ContainerRepositoryOf(project.GetProjectMetadata().ProjectPath)));
        }

        return workloads;
    }

    private static bool IsDeployable(string projectPath) =>
        !string.Equals(XDocument.Load(projectPath).Descendants("IsPublishable").SingleOrDefault()?.Value, "false",
            StringComparison.OrdinalIgnoreCase);

    private static string ContainerRepositoryOf(string projectPath) =>
        XDocument.Load(projectPath).Descendants("ContainerRepository").SingleOrDefault()?.Value
        ?? throw new InvalidOperationException($"{projectPath} sets no ContainerRepository");
}
