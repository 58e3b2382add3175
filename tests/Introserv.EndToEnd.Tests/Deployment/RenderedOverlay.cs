using System.Diagnostics;
using k8s;
using k8s.Models;

namespace Introserv.EndToEnd.Tests.Deployment;

// One Kustomize overlay of deploy/k8s rendered with kubectl kustomize, validated offline against
// the Kubernetes OpenAPI schemas (deploy/k8s/validate: required fields, types, formats, enums) and
// read back into the Kubernetes client's API models strictly (an unknown or misspelt field fails).
public sealed class RenderedOverlay
{
    private RenderedOverlay(string name, IReadOnlyList<IKubernetesObject<V1ObjectMeta>> objects)
    {
        Name = name;
        Objects = objects;
    }

    // The overlays; prod-load-balancer, prod-cert-manager, prod-external-secrets, prod-observability,
    // prod-cloudnative-pg, prod-redis-sentinel and prod-rabbitmq-operator are prod with optional components
    // (gateway-load-balancer, cert-manager, external-secrets, otel-collector with service-monitor, cloudnative-pg,
    // redis-sentinel, rabbitmq-operator).
    public static IReadOnlyList<string> Names { get; } =
        ["dev", "prod", "prod-load-balancer", "prod-cert-manager", "prod-external-secrets", "prod-observability",
            "prod-cloudnative-pg", "prod-redis-sentinel", "prod-rabbitmq-operator"];

    // The custom resources the manifests use, read as strictly as the built-in kinds.
    private static readonly Dictionary<string, Type> CustomKinds = new(StringComparer.Ordinal)
    {
        [GatewayResource.TypeKey] = typeof(GatewayResource),
        [HttpRouteResource.TypeKey] = typeof(HttpRouteResource),
        [CertificateResource.TypeKey] = typeof(CertificateResource),
        [ExternalSecretResource.TypeKey] = typeof(ExternalSecretResource),
        [ServiceMonitorResource.TypeKey] = typeof(ServiceMonitorResource),
        [PostgresClusterResource.TypeKey] = typeof(PostgresClusterResource),
        [PostgresDatabaseResource.TypeKey] = typeof(PostgresDatabaseResource),
        [PostgresScheduledBackupResource.TypeKey] = typeof(PostgresScheduledBackupResource),
        [BarmanObjectStoreResource.TypeKey] = typeof(BarmanObjectStoreResource),
        [RabbitmqClusterResource.TypeKey] = typeof(RabbitmqClusterResource),
        [RabbitmqVhostResource.TypeKey] = typeof(RabbitmqVhostResource),
        [RabbitmqUserResource.TypeKey] = typeof(RabbitmqUserResource),
        [RabbitmqPermissionResource.TypeKey] = typeof(RabbitmqPermissionResource),
    };

    // The environment an overlay's secrets come from (the secrets script knows dev and prod).
    public static string SecretsEnvironment(string overlay) =>
        overlay.StartsWith("prod", StringComparison.Ordinal) ? "prod" : overlay;

    public string Name { get; }

    public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Objects { get; }

    // The billing panel's own workloads (an optional component's, like the collector, are checked on their own).
    public IEnumerable<V1Deployment> Deployments => Objects.OfType<V1Deployment>()
        .Where(d => d.Metadata.Labels?.TryGetValue("app.kubernetes.io/part-of", out var part) == true
            && part == "introserv");

    public IEnumerable<V1NetworkPolicy> NetworkPolicies => Objects.OfType<V1NetworkPolicy>();

    public static string K8sDirectory => Path.Combine(LocalInfra.RepositoryRoot, "deploy", "k8s");

    public V1Deployment Deployment(string name) =>
        Deployments.SingleOrDefault(d => d.Metadata.Name == name)
            ?? throw new InvalidOperationException($"{Name}: no Deployment {name}");

    public V1ConfigMap ConfigMap(string name) =>
        Objects.OfType<V1ConfigMap>().SingleOrDefault(c => c.Metadata.Name == name)
        ?? throw new InvalidOperationException(
            $"{Name}: a container reads ConfigMap {name}, which the overlay does not define");

    // The overlay's rendered YAML as kubectl prints it, not yet validated.
    public static Task<string> RenderYamlAsync(string overlay) =>
        RunAsync("kubectl", "kustomize", Path.Combine(K8sDirectory, "overlays", overlay));

    public static async Task<RenderedOverlay> RenderAsync(string overlay)
    {
        var yaml = await RenderYamlAsync(overlay);
        await ValidateAgainstSchemasAsync(overlay, yaml);
        return new RenderedOverlay(overlay, Read(yaml));
    }

    // An overlay with optional components on top (each component's directory name under deploy/k8s/components),
    // written to a temporary kustomization that refers to the overlay and the components where they are.
    public static async Task<RenderedOverlay> RenderWithComponentsAsync(
        string overlay, IReadOnlyList<string> components)
    {
        ArgumentNullException.ThrowIfNull(components);
        var work = Directory.CreateTempSubdirectory("introserv-kustomize-");
        try
        {
            string Relative(params string[] parts) =>
                Path.GetRelativePath(work.FullName, Path.Combine([K8sDirectory, .. parts])).Replace('\\', '/');
            var kustomization = new System.Text.StringBuilder()
                .AppendLine("apiVersion: kustomize.config.k8s.io/v1beta1")
                .AppendLine("kind: Kustomization")
                .AppendLine("namespace: introserv")
                .AppendLine("resources:")
                .AppendLine("  - " + Relative("overlays", overlay));
            if (components.Count > 0)
            {
                kustomization.AppendLine("components:");
                foreach (var component in components)
                {
                    kustomization.AppendLine("  - " + Relative("components", component));
                }
            }

            await File.WriteAllTextAsync(Path.Combine(work.FullName, "kustomization.yaml"), kustomization.ToString());
            var name = $"{overlay}+{string.Join('+', components)}";
            var yaml = await RunAsync("kubectl", "kustomize", work.FullName);
            await ValidateAgainstSchemasAsync(name, yaml);
            return new RenderedOverlay(name, Read(yaml));
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    // The objects of rendered YAML in the client's models, strictly: an unknown or misspelt field throws.
    public static IReadOnlyList<IKubernetesObject<V1ObjectMeta>> Read(string yaml)
    {
        var typed = new List<IKubernetesObject<V1ObjectMeta>>();
        foreach (var item in KubernetesYaml.LoadAllFromString(yaml, CustomKinds, strict: true))
        {
            typed.Add(item as IKubernetesObject<V1ObjectMeta>
                ?? throw new InvalidOperationException(
                    $"'{item?.GetType().Name}' is not a Kubernetes object with metadata"));
        }

        return typed;
    }

    // Runs a command, returns its standard output; fails with its standard error.
    public static async Task<string> RunAsync(string command, params string[] args) =>
        await RunAsync(command, new Dictionary<string, string>(), args);

    public static async Task<string> RunAsync(
        string command, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{command} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"{command} {string.Join(' ', args)} exited with {process.ExitCode}: {await error}{await output}");
        }

        return await output;
    }

    // Runs the offline validator on YAML; returns its exit code and output.
    public static async Task<(int ExitCode, string Output)> ValidateAsync(
        string yaml, IReadOnlyDictionary<string, string>? environment = null)
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, yaml);
            var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
            start.ArgumentList.Add(Path.Combine(K8sDirectory, "validate"));
            start.ArgumentList.Add(file);
            foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            {
                start.Environment[key] = value;
            }

            using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
            var output = await process.StandardOutput.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, output + await process.StandardError.ReadToEndAsync());
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static async Task ValidateAgainstSchemasAsync(string overlay, string yaml)
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, yaml);
            var validator = Path.Combine(K8sDirectory, "validate");
            if (!Directory.Exists(Path.Combine(validator, "node_modules")))
            {
                throw new InvalidOperationException(
                    $"{validator}: run 'npm ci' there first (deploy/local/infra.sh install-test-tools does)");
            }

            var result = await RunAsync("node", validator, file);
            Assert.Contains("objects valid", result, StringComparison.Ordinal);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidOperationException(
                $"{overlay}: the rendered manifests do not match the Kubernetes schemas: {e.Message}", e);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
