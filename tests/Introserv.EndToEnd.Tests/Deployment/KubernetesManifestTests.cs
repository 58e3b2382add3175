using System.Globalization;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;

namespace Introserv.EndToEnd.Tests.Deployment;

// The Kubernetes manifests (deploy/k8s), rendered per overlay and checked offline: valid API objects,
// probes on the ServiceDefaults endpoints, resources and a locked-down security context everywhere, every
// setting and secret key each service needs, NetworkPolicies that leave only the gateway reachable from
// outside, and images that are what the project files publish.
public sealed partial class KubernetesManifestTests
{
    // Environment the AppHost sets that a cluster does not need: Aspire's launch plumbing (the manifests set
    // Kestrel's endpoints instead of ASPNETCORE_URLS), its development telemetry switches, and the
    // NAME_HTTP-style endpoint variables it adds beside the services__ keys the code reads.
    private static readonly Regex LocalOnly = LocalOnlyPattern();

    public static TheoryData<string> Overlays => [.. RenderedOverlay.Names];

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Overlay_renders_a_deployment_service_autoscaler_and_disruption_budget_per_workload(string name)
    {
        var overlay = await RenderedOverlay.RenderAsync(name);
        var workloads = Deployed(overlay, await AppHostWorkload.All);

        Assert.Equal(workloads.Select(w => w.Name).Order(), overlay.Deployments.Select(d => d.Metadata.Name).Order());
        // Every other Deployment is an optional component's, checked by its own test.
        Assert.All(overlay.Objects.OfType<V1Deployment>().Except(overlay.Deployments), d => Assert.True(
            d.Metadata.Labels?.TryGetValue("app.kubernetes.io/part-of", out var part) == true
                && part == "introserv-observability",
            $"{name}/{d.Metadata.Name}: a Deployment neither the panel's nor an optional component's"));
        foreach (var deployment in overlay.Deployments)
        {
            var labels = deployment.Spec.Template.Metadata.Labels;
            Assert.True(Selects(deployment.Spec.Selector, labels),
                $"{name}/{deployment.Metadata.Name}: the selector does not match its pods");
            Assert.Contains(overlay.Objects.OfType<V1Service>(), s => s.Spec.Selector is { Count: > 0 } selector
                && selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value));
            Assert.Contains(overlay.Objects.OfType<V2HorizontalPodAutoscaler>(), h =>
                h.Spec.ScaleTargetRef.Kind == "Deployment" && h.Spec.ScaleTargetRef.Name == deployment.Metadata.Name
                && h.Spec.MinReplicas >= 1 && h.Spec.MaxReplicas >= h.Spec.MinReplicas);
            Assert.Contains(overlay.Objects.OfType<V1PodDisruptionBudget>(), p => Selects(p.Spec.Selector, labels));
        }

        var gateway = overlay.Objects.OfType<V1Service>().Single(s => s.Metadata.Name == "gateway");
        if (name == "prod-load-balancer")
        {
            // The gateway on its own load balancer that keeps client addresses, trusting no proxy.
            Assert.Empty(overlay.Objects.OfType<GatewayResource>());
            Assert.Empty(overlay.Objects.OfType<HttpRouteResource>());
            Assert.Equal(("LoadBalancer", "Local"), (gateway.Spec.Type, gateway.Spec.ExternalTrafficPolicy));
            Assert.All(
                overlay.Objects
                    .OfType<V1ConfigMap>()
                    .Single(c => c.Metadata.Name.StartsWith("gateway-config", StringComparison.Ordinal)).Data
                    .Where(kv => kv.Key.StartsWith("ForwardedHeaders__Known", StringComparison.Ordinal)),
                kv => Assert.Equal("", kv.Value));
            return;
        }

        AssertEdge(overlay, gateway);
    }

    // The workloads an overlay deploys: every deployable AppHost project, but the reference panel only where a
    // Gateway routes paths to it beside the gateway (the load-balancer component removes it).
    private static List<AppHostWorkload> Deployed(RenderedOverlay overlay, IReadOnlyList<AppHostWorkload> workloads) =>
        [.. workloads.Where(w => w.Name != "panel" || overlay.Objects.OfType<GatewayResource>().Any())];

    // The backend a path reaches: among the rules' PathPrefix matches, the longest that matches the path whole
    // segments.
    private static string? RouteFor(HttpRouteResource route, string path) =>
        route.Spec.Rules
            .SelectMany(r => r.Matches.Select(m => (Prefix: m.Path?.Value ?? "/", r.BackendRefs)))
            .Where(m => m.Prefix == "/" || path == m.Prefix
                || path.StartsWith(m.Prefix.TrimEnd('/') + "/", StringComparison.Ordinal))
            .OrderByDescending(m => m.Prefix.Length)
            .Select(m => m.BackendRefs.Single().Name)
            .FirstOrDefault();

    // The Gateway API edge: HTTPS to the gateway Service with HSTS and timeouts, plain HTTP only redirected, both
    // on the Gateway's listeners for the same host, and TLS from a Secret.
    private static void AssertEdge(RenderedOverlay overlay, V1Service service)
    {
        var edge = Assert.Single(overlay.Objects.OfType<GatewayResource>());
        var https = Assert.Single(edge.Spec.Listeners, l => l.Protocol == "HTTPS");
        var http = Assert.Single(edge.Spec.Listeners, l => l.Protocol == "HTTP");
        Assert.Equal((443, 80), (https.Port, http.Port));
        Assert.Equal("Terminate", https.Tls?.Mode);
        Assert.Single(https.Tls!.CertificateRefs);
        Assert.Equal(https.Hostname, http.Hostname);
        var routes = overlay.Objects.OfType<HttpRouteResource>().ToList();
        Assert.Equal(2, routes.Count);
        Assert.All(routes, r => Assert.Equal([https.Hostname!], r.Spec.Hostnames));

        var secure = Assert.Single(routes, r => r.Spec.ParentRefs.Any(p => p.SectionName == https.Name));
        Assert.All(secure.Spec.ParentRefs, p => Assert.Equal(edge.Metadata.Name, p.Name));
        var servicePort = Assert.Single(service.Spec.Ports).Port;
        var panelPort = Assert.Single(overlay.Objects.OfType<V1Service>().Single(s => s.Metadata.Name == "panel")
            .Spec.Ports).Port;
        foreach (var rule in secure.Spec.Rules)
        {
            var backend = Assert.Single(rule.BackendRefs);
            Assert.Contains($"{backend.Name}:{backend.Port}", new[] { "gateway:" + servicePort, "panel:" + panelPort });
            var hsts = rule.Filters.Where(f => f.Type == "ResponseHeaderModifier")
                .SelectMany(f => f.ResponseHeaderModifier!.Set)
                .Single(h => h.Name == "Strict-Transport-Security").Value;
            var maxAge = int.Parse(
                StrictTransportMaxAge().Match(hsts).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(maxAge >= 31_536_000, $"HSTS max-age {maxAge} is under a year");
            Assert.NotNull(rule.Timeouts?.Request);
            Assert.NotNull(rule.Timeouts?.BackendRequest);
        }

        // The gateway's paths go to the gateway; every other path (the app, /callback, the mailed
        // /account/security/sessions) to the panel. The longest matching prefix wins, as Gateway API routers decide.
        foreach (var (path, backend) in new[]
        {
            ("/api/orders", "gateway"), ("/connect/token", "gateway"), ("/.well-known/openid-configuration", "gateway"),
            ("/account/login", "gateway"), ("/account/assets/account.css", "gateway"),
            ("/openapi/v1.json", "gateway"), ("/docs", "gateway"),
            ("/", "panel"), ("/callback", "panel"), ("/panel-settings.json", "panel"), ("/orders/new", "panel"),
            ("/account/security/sessions", "panel"), ("/balance", "panel"),
        })
        {
            Assert.Equal(backend, RouteFor(secure, path));
        }

        var plain = Assert.Single(routes, r => r.Spec.ParentRefs.Any(p => p.SectionName == http.Name));
        var redirect = Assert.Single(Assert.Single(plain.Spec.Rules).Filters);
        Assert.Equal(("RequestRedirect", "https", 301),
            (redirect.Type, redirect.RequestRedirect?.Scheme, redirect.RequestRedirect?.StatusCode));
        Assert.Empty(plain.Spec.Rules.SelectMany(r => r.BackendRefs));

        // With cert-manager, its Certificate is the one the https listener serves, for the listener's host.
        foreach (var certificate in overlay.Objects.OfType<CertificateResource>())
        {
            Assert.Equal(https.Tls.CertificateRefs[0].Name, certificate.Spec.SecretName);
            Assert.Contains(https.Hostname!, certificate.Spec.DnsNames);
        }
    }

    [Fact]
    public async Task The_edges_custom_resources_are_checked_against_their_schemas_and_read_strictly()
    {
        const string route = """
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: gateway
            spec:
              parentRefs:
                - name: introserv
              rules:
                - backendRefs:
                    - name: gateway
                      port: 80
            """;

        Assert.Equal(0, (await RenderedOverlay.ValidateAsync(route)).ExitCode);
        var (code, output) = await RenderedOverlay.ValidateAsync(route.Replace("port: 80", "port: http"));
        Assert.Equal(1, code);
        Assert.Contains("HTTPRoute/gateway", output, StringComparison.Ordinal);
        Assert.Equal(1, (await RenderedOverlay.ValidateAsync(
            route.Replace("gateway.networking.k8s.io/v1", "gateway.networking.k8s.io/v9"))).ExitCode);
        // A misspelt field passes the CRD's schema (the API server would prune it) but neither the validator's
        // strict check nor the read.
        Assert.Single(RenderedOverlay.Read(route));
        var misspelt = route.Replace("backendRefs:", "backendRef:");
        (code, output) = await RenderedOverlay.ValidateAsync(misspelt);
        Assert.Equal(1, code);
        Assert.Contains(
            "HTTPRoute/gateway: backendRef is not a field of HTTPRouteRule", output, StringComparison.Ordinal);
        Assert.ThrowsAny<Exception>(() => RenderedOverlay.Read(misspelt));
    }

    // Every custom resource kind the overlays render, with one optional field misspelt at a depth (a required one
    // already fails the schema): the validator names it.
    public static TheoryData<string, string, string, string> MisspeltCustomResourceFields() => new()
    {
        { "prod", "Gateway", "allowedRoutes", "allowedRoute" },
        { "prod-cert-manager", "Certificate", "dnsNames", "dnsName" },
        { "prod-cloudnative-pg", "Cluster", "primaryUpdateStrategy", "primaryUpdateStrategie" },
        { "prod-cloudnative-pg", "Database", "ensure", "ensur" },
        { "prod-cloudnative-pg", "ScheduledBackup", "immediate", "immediat" },
        { "prod-cloudnative-pg", "ObjectStore", "retentionPolicy", "retentionPolicie" },
        { "prod-cloudnative-pg", "ObjectStore", "maxParallel", "maxParalel" },
        { "prod-cloudnative-pg", "Cluster", "isWALArchiver", "isWalArchiver" },
        { "prod-external-secrets", "ExternalSecret", "refreshInterval", "refreshIntervall" },
        { "prod-observability", "ServiceMonitor", "interval", "intervall" },
        { "prod-rabbitmq-operator", "RabbitmqCluster", "persistence", "persistance" },
        { "prod-rabbitmq-operator", "Vhost", "defaultQueueType", "defaultQueuetype" },
        { "prod-rabbitmq-operator", "User", "importCredentialsSecret", "importCredentialSecret" },
        { "prod-rabbitmq-operator", "Permission", "configure", "configur" },
        // Fields of the types the declared RabbitMQ kinds import (metadata, affinity) are checked too.
        { "prod-rabbitmq-operator", "RabbitmqCluster", "namespace", "namespase" },
        { "prod-rabbitmq-operator", "RabbitmqCluster", "topologyKey", "topologyKee" },
    };

    [Theory]
    [MemberData(nameof(MisspeltCustomResourceFields))]
    public async Task The_validator_refuses_a_field_a_custom_resource_does_not_define(
        string overlay, string kind, string field, string misspelt)
    {
        var rendered = await RenderedOverlay.RenderYamlAsync(overlay);
        var documents = rendered.Split("\n---\n");
        var index = Array.FindIndex(documents, d => d.Contains($"\nkind: {kind}\n", StringComparison.Ordinal)
            && d.Contains($" {field}:", StringComparison.Ordinal));
        Assert.True(index >= 0, $"{overlay} renders no {kind} with {field}");
        var original = documents[index];
        var at = original.IndexOf($" {field}:", StringComparison.Ordinal);
        documents[index] = string.Concat(
            original.AsSpan(0, at), $" {misspelt}:", original.AsSpan(at + field.Length + 2));

        Assert.Equal(0, (await RenderedOverlay.ValidateAsync(rendered)).ExitCode);
        var (code, output) = await RenderedOverlay.ValidateAsync(string.Join("\n---\n", documents));
        Assert.True(code == 1, output);
        Assert.Contains($"{misspelt} is not a field of", output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task The_gateway_trusts_forwarded_headers_only_from_a_narrow_network_the_ingress_uses(string name)
    {
        var overlay = await RenderedOverlay.RenderAsync(name);
        var config = overlay.Objects
            .OfType<V1ConfigMap>()
            .Single(c => c.Metadata.Name.StartsWith("gateway-config", StringComparison.Ordinal));
        Assert.Equal("false", config.Data["ForwardedHeaders__TrustLoopback"]);
        Assert.DoesNotContain(config.Data, kv =>
            kv.Key.StartsWith("ForwardedHeaders__KnownNetworks", StringComparison.Ordinal)
            && kv.Value.Length > 0
            && int.Parse(kv.Value.Split('/')[1], System.Globalization.CultureInfo.InvariantCulture) < 24
            && config.Metadata.Annotations?.ContainsKey("introserv.io/wide-trusted-network") != true);

        var ingress = overlay.NetworkPolicies.Single(p => p.Metadata.Name == "gateway-ingress");
        var peer = Assert.Single(Assert.Single(ingress.Spec.Ingress).FromProperty);
        Assert.NotNull(peer.NamespaceSelector);
        Assert.NotNull(peer.PodSelector);
        Assert.Null(peer.IpBlock);
    }

    [Fact]
    public async Task The_validator_refuses_a_field_the_api_does_not_define_at_any_depth()
    {
        const string deployment = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: probe
            spec:
              selector:
                matchLabels:
                  app: probe
              template:
                metadata:
                  labels:
                    app: probe
                spec:
                  containers:
                    - name: probe
                      image: example/probe:1
                      livenessProbe:
                        httpGet:
                          path: /alive
                          port: 8080
            """;

        Assert.Equal(0, (await RenderedOverlay.ValidateAsync(deployment)).ExitCode);
        foreach (var (right, wrong) in new[]
        {
            ("livenessProbe:", "livenesProbe:"),
            ("httpGet:", "httpGett:"),
            ("matchLabels:", "matchLabel:"),
            ("  name: probe\nspec:", "  name: probe\n  labelz: {}\nspec:"),
        })
        {
            var (code, output) = await RenderedOverlay.ValidateAsync(deployment.Replace(right, wrong));
            Assert.True(code == 1, $"{wrong}: {output}");
            Assert.Contains("is not a field of the API", output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task The_validator_refuses_a_wide_trusted_network_unless_the_config_map_says_why()
    {
        static string ConfigMap(string network, string? reason) => $$"""
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: gateway-config
            {{(reason is null ? "" : $"  annotations:\n    introserv.io/wide-trusted-network: \"{reason}\"\n")}}data:
              ForwardedHeaders__KnownNetworks__0: "{{network}}"
            """;

        Assert.Equal(0, (await RenderedOverlay.ValidateAsync(ConfigMap("10.1.2.0/24", null))).ExitCode);
        Assert.Equal(0, (await RenderedOverlay.ValidateAsync(ConfigMap("2001:db8::/64", null))).ExitCode);
        var (code, output) = await RenderedOverlay.ValidateAsync(ConfigMap("10.244.0.0/16", null));
        Assert.Equal(1, code);
        Assert.Contains("wider than /24", output, StringComparison.Ordinal);
        Assert.Equal(1, (await RenderedOverlay.ValidateAsync(ConfigMap("2001:db8::/48", null))).ExitCode);
        Assert.Equal(0, (await RenderedOverlay.ValidateAsync(ConfigMap("10.244.0.0/16", "dev cluster"))).ExitCode);
        // The width is configurable.
        Assert.Equal(1, (await RenderedOverlay.ValidateAsync(ConfigMap("10.1.2.0/24", null),
            new Dictionary<string, string> { ["MAX_TRUSTED_PREFIX_V4"] = "28" })).ExitCode);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_deployment_drains_before_it_stops_and_outlives_the_hosts_shutdown_timeout(string name)
    {
        var overlay = await RenderedOverlay.RenderAsync(name);

        foreach (var deployment in overlay.Deployments)
        {
            var what = $"{name}/{deployment.Metadata.Name}";
            var container = MainContainer(deployment);
            var sleep = container.Lifecycle?.PreStop?.Sleep?.Seconds;
            Assert.True(sleep is >= 3, $"{what}: no preStop sleep to let endpoints drop the pod before SIGTERM");
            var environment = Environment(overlay, container);
            Assert.True(environment.TryGetValue("shutdownTimeoutSeconds", out var shutdown),
                $"{what}: the host's shutdown timeout is not set");
            var grace = deployment.Spec.Template.Spec.TerminationGracePeriodSeconds ?? 30;
            Assert.True(grace > sleep + long.Parse(shutdown!, System.Globalization.CultureInfo.InvariantCulture),
                $"{what}: terminationGracePeriodSeconds {grace} does not exceed " +
                $"preStop {sleep} s + shutdown {shutdown} s");
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_deployment_probes_the_service_defaults_health_endpoints_on_its_http_port(string name)
    {
        var overlay = await RenderedOverlay.RenderAsync(name);

        foreach (var deployment in overlay.Deployments)
        {
            var what = $"{name}/{deployment.Metadata.Name}";
            var container = MainContainer(deployment);
            var environment = Environment(overlay, container);
            Assert.True(environment.TryGetValue("Kestrel__Endpoints__http__Url", out var url),
                $"{what}: no Kestrel http endpoint");
            var kestrelPort = new Uri(url!.Replace("+", "localhost", StringComparison.Ordinal)).Port;

            foreach (var (probe, path) in new[]
            {
                (container.ReadinessProbe, ServiceDefaults.Extensions.HealthEndpointPath),
                (container.LivenessProbe, ServiceDefaults.Extensions.AlivenessEndpointPath),
                (container.StartupProbe, ServiceDefaults.Extensions.AlivenessEndpointPath),
            })
            {
                Assert.True(probe?.HttpGet is not null, $"{what}: a probe is missing or not an HTTP probe");
                Assert.Equal(path, probe.HttpGet.Path);
                Assert.Equal(kestrelPort, ContainerPort(container, probe.HttpGet.Port));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_container_has_resources_and_runs_non_root_read_only_without_capabilities(string name)
    {
        var overlay = await RenderedOverlay.RenderAsync(name);
        var pods = overlay.Deployments.Select(d => (d.Metadata.Name, d.Spec.Template.Spec))
            .Concat(overlay.Objects.OfType<V1StatefulSet>().Select(s => (s.Metadata.Name, s.Spec.Template.Spec)))
            .ToList();
        Assert.NotEmpty(pods);

        foreach (var (workload, pod) in pods)
        {
            Assert.False(pod.AutomountServiceAccountToken ?? true,
                $"{name}/{workload}: mounts a service account token");
            foreach (var container in pod.Containers.Concat(pod.InitContainers ?? []))
            {
                var what = $"{name}/{workload}/{container.Name}";
                foreach (var kind in new[] { "cpu", "memory" })
                {
                    Assert.True(container.Resources?.Requests?.ContainsKey(kind) == true, $"{what}: no {kind} request");
                    Assert.True(container.Resources?.Limits?.ContainsKey(kind) == true, $"{what}: no {kind} limit");
                }

                var security = container.SecurityContext;
                Assert.True(security is not null, $"{what}: no security context");
                Assert.True(security.RunAsNonRoot ?? pod.SecurityContext?.RunAsNonRoot, $"{what}: may run as root");
                Assert.True(security.AllowPrivilegeEscalation == false, $"{what}: allows privilege escalation");
                Assert.True(security.ReadOnlyRootFilesystem == true, $"{what}: writable root filesystem");
                Assert.Contains("ALL", security.Capabilities?.Drop ?? []);
                Assert.Empty(security.Capabilities?.Add ?? []);
                Assert.Equal("RuntimeDefault",
                    security.SeccompProfile?.Type ?? pod.SecurityContext?.SeccompProfile?.Type);
                Assert.NotEqual(true, security.Privileged);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_deployment_sets_every_setting_the_apphost_gives_its_service(string name)
    {
        var overlay = await RenderedOverlay.RenderAsync(name);

        var missing = new List<string>();
        foreach (var workload in Deployed(overlay, await AppHostWorkload.All))
        {
            var deployment = overlay.Deployment(workload.Name);
            var environment = Environment(overlay, MainContainer(deployment));
            missing.AddRange(workload.EnvironmentKeys
                .Where(k => !LocalOnly.IsMatch(k) && !environment.ContainsKey(k))
                .Order()
                .Select(k => $"{workload.Name}: {k}"));

            // The telemetry endpoint is set per environment.
            Assert.True(environment.ContainsKey("OTEL_EXPORTER_OTLP_ENDPOINT"),
                $"{name}/{workload.Name}: no OTLP endpoint");
            Assert.Equal(workload.Name, environment.GetValueOrDefault("OTEL_SERVICE_NAME"));
            // Webhooks go to public https addresses only in a deployment.
            Assert.False(environment.ContainsKey("Webhooks__AllowLocalTargets"),
                $"{name}/{workload.Name}: lets webhooks reach internal addresses");
        }

        Assert.True(missing.Count == 0,
            $"{name}: settings the AppHost gives and the manifests lack: {string.Join("; ", missing)}");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task A_service_with_a_database_migrates_in_an_init_container_before_it_serves(string name)
    {
        var overlay = await RenderedOverlay.RenderAsync(name);

        foreach (var workload in Deployed(overlay, await AppHostWorkload.All))
        {
            var deployment = overlay.Deployment(workload.Name);
            var main = MainContainer(deployment);
            var hasDatabase = workload.EnvironmentKeys.Any(
                k => k.StartsWith("ConnectionStrings__", StringComparison.Ordinal)
                    && k.EndsWith("db", StringComparison.Ordinal));
            var migrate = deployment.Spec.Template.Spec.InitContainers?.SingleOrDefault(c => c.Name == "migrate");
            if (!hasDatabase)
            {
                Assert.Null(migrate);
                continue;
            }

            var what = $"{name}/{workload.Name}";
            Assert.True(migrate is not null, $"{what}: no migrate init container");
            Assert.Equal(main.Image, migrate.Image);
            Assert.Equal(["migrate"], migrate.Args);
            Assert.Equal("false", Environment(overlay, main).GetValueOrDefault("Database__MigrateOnStartup"));

            // The migrate step builds the same host: it gets the same settings (but migrates, of course).
            var mainKeys = Environment(overlay, main).Keys.Where(k => k != "Database__MigrateOnStartup").Order();
            // The runtime role the step grants rows to (components/cloudnative-pg) is the step's setting alone.
            Assert.DoesNotContain("Database__RuntimeRole", Environment(overlay, main).Keys);
            Assert.Equal(mainKeys, Environment(overlay, migrate).Keys.Where(k => k != "Database__RuntimeRole").Order());
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_secret_key_the_manifests_read_is_created_by_the_secrets_script(string name)
    {
        var overlay = await RenderedOverlay.RenderAsync(name);
        var created = await SecretsCreatedByScriptAsync(name);

        var read = SecretsRead(overlay);
        Assert.NotEmpty(read);
        var missing = read.Where(r => !created.Contains((r.Secret, r.Key)))
            .Select(r => $"{r.Secret}/{r.Key} ({r.Where})")
            .Distinct()
            .ToList();
        Assert.True(missing.Count == 0, $"{name}: the secrets script does not create {string.Join("; ", missing)}");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Only_the_edge_workloads_take_outside_traffic_and_each_service_only_its_callers(string name)
    {
        var overlay = await RenderedOverlay.RenderAsync(name);
        var workloads = await AppHostWorkload.All;
        var pods = overlay.Deployments.ToDictionary(d => d.Metadata.Name, d => d.Spec.Template.Metadata.Labels);

        foreach (var (workload, labels) in pods)
        {
            var policies = overlay.NetworkPolicies
                .Where(p => p.Spec.PolicyTypes?.Contains("Ingress") != false && Selects(p.Spec.PodSelector, labels))
                .ToList();
            Assert.True(policies.Count > 0,
                $"{name}/{workload}: no NetworkPolicy isolates it, so anything can reach it");

            var rules = policies.SelectMany(p => p.Spec.Ingress ?? []).ToList();
            var fromOutside = rules.Any(r => r.FromProperty is null || r.FromProperty.Count == 0
                || r.FromProperty.Any(peer => peer.IpBlock is not null || peer.NamespaceSelector is not null));
            var callers = pods.Where(other => rules.Any(r => r.FromProperty?.Any(peer =>
                    peer.PodSelector is not null && peer.NamespaceSelector is null && peer.IpBlock is null
                    && Selects(peer.PodSelector, other.Value)) == true))
                .Select(other => other.Key)
                .Order()
                .ToList();

            if (workload == "gateway")
            {
                Assert.True(fromOutside, $"{name}: the gateway is not reachable from outside the namespace");
                continue;
            }

            if (workload == "panel")
            {
                // Browsers fetch its files through the edge; nothing inside the namespace calls it.
                Assert.True(fromOutside, $"{name}: the panel is not reachable from outside the namespace");
                Assert.Empty(callers);
                continue;
            }

            Assert.False(fromOutside, $"{name}/{workload} accepts traffic from outside the namespace");
            // A workload's calls to itself (Identity's own token endpoint) stay inside the pod: no policy is involved.
            var expected = workloads.Where(w => w.Name != workload && w.References.Contains(workload))
                .Select(w => w.Name).Order().ToList();
            Assert.Equal(expected, callers);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Images_are_the_repositories_the_project_files_publish(string name)
    {
        var overlay = await RenderedOverlay.RenderAsync(name);

        var registries = new HashSet<string>(StringComparer.Ordinal);
        foreach (var workload in Deployed(overlay, await AppHostWorkload.All))
        {
            var pod = overlay.Deployment(workload.Name).Spec.Template.Spec;
            foreach (var container in pod.Containers.Concat(pod.InitContainers ?? []))
            {
                var repository = ImageRepository(container.Image);
                Assert.True(
                    repository == workload.ContainerRepository
                        || repository.EndsWith("/" + workload.ContainerRepository, StringComparison.Ordinal),
                    $"{name}/{workload.Name}/{container.Name}: " +
                    $"image {container.Image} is not {workload.ContainerRepository}");
                Assert.Contains(":", container.Image[(container.Image.LastIndexOf('/') + 1)..],
                    StringComparison.Ordinal);
                registries.Add(repository[..^workload.ContainerRepository.Length]);
            }
        }

        // Production pulls every image from the one registry its images: list names (an image left out of the
        // list would be pulled from Docker Hub under the bare name).
        if (RenderedOverlay.SecretsEnvironment(name) == "prod")
        {
            var registry = Assert.Single(registries);
            Assert.NotEqual("", registry);
        }
    }

    private static V1Container MainContainer(V1Deployment deployment) =>
        deployment.Spec.Template.Spec.Containers.SingleOrDefault(c => c.Name == deployment.Metadata.Name)
        ?? throw new InvalidOperationException($"{deployment.Metadata.Name}: no container named after the Deployment");

    // The container's environment as the process sees it: ConfigMap keys (envFrom) overridden by env.
    private static Dictionary<string, string> Environment(RenderedOverlay overlay, V1Container container)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in container.EnvFrom ?? [])
        {
            Assert.Null(source.SecretRef); // secrets are named key by key (secretKeyRef), so each is accounted for
            var map = overlay.ConfigMap(source.ConfigMapRef.Name);
            foreach (var (key, value) in map.Data ?? new Dictionary<string, string>())
            {
                environment[(source.Prefix ?? "") + key] = value;
            }
        }

        foreach (var variable in container.Env ?? [])
        {
            environment[variable.Name] = variable.Value ?? (variable.ValueFrom?.ConfigMapKeyRef is { } reference
                ? overlay.ConfigMap(reference.Name).Data[reference.Key]
                : "(secret)");
        }

        return environment;
    }

    private static int ContainerPort(V1Container container, IntOrString port) =>
        int.TryParse(port.Value, out var number)
            ? number
            : container.Ports?.SingleOrDefault(p => p.Name == port.Value)?.ContainerPort
              ?? throw new InvalidOperationException($"{container.Name}: no port named {port.Value}");

    private static string ImageRepository(string image)
    {
        var digest = image.IndexOf('@', StringComparison.Ordinal);
        var name = digest >= 0 ? image[..digest] : image;
        var tag = name.LastIndexOf(':');
        return tag > name.LastIndexOf('/') ? name[..tag] : name;
    }

    private static bool Selects(V1LabelSelector? selector, IDictionary<string, string> labels)
    {
        if (selector is null)
        {
            return false;
        }

        var matchesLabels = (selector.MatchLabels ?? new Dictionary<string, string>())
            .All(kv => labels.TryGetValue(kv.Key, out var value) && value == kv.Value);
        var matchesExpressions = (selector.MatchExpressions ?? []).All(e => e.OperatorProperty switch
        {
            "In" => labels.TryGetValue(e.Key, out var value) && e.Values.Contains(value),
            "NotIn" => !labels.TryGetValue(e.Key, out var value) || !e.Values.Contains(value),
            "Exists" => labels.ContainsKey(e.Key),
            "DoesNotExist" => !labels.ContainsKey(e.Key),
            _ => throw new InvalidOperationException($"unknown selector operator {e.OperatorProperty}"),
        });
        return matchesLabels && matchesExpressions;
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task The_secret_table_in_deploy_README_lists_every_secret_and_key_the_manifests_and_script_use(
        string name)
    {
        var overlay = await RenderedOverlay.RenderAsync(name);
        var used = SecretsRead(overlay).Select(r => (r.Secret, r.Key))
            .Concat(await SecretsCreatedByScriptAsync(name))
            .Distinct()
            .ToList();
        var table = SecretTable();

        var missing = used
            .Where(u => !table.TryGetValue(u.Secret, out var keys) || !keys.Contains(u.Key))
            .Select(u => $"{u.Secret}/{u.Key}")
            .Order()
            .ToList();
        Assert.True(missing.Count == 0,
            $"{name}: deploy/README.md's secret table lacks {string.Join("; ", missing)}");
    }

    [Fact]
    public async Task Every_secret_the_table_in_deploy_README_names_is_used_by_some_overlay()
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in RenderedOverlay.Names)
        {
            var overlay = await RenderedOverlay.RenderAsync(name);
            used.UnionWith(SecretsRead(overlay).Select(r => r.Secret));
            used.UnionWith((await SecretsCreatedByScriptAsync(name)).Select(c => c.Secret));
        }

        Assert.Empty(SecretTable().Keys.Where(secret => !used.Contains(secret)).Order());
    }

    // deploy/README.md's table of Secrets: each Secret the first column names, with the keys the second names (every
    // backticked word in it).
    private static Dictionary<string, HashSet<string>> SecretTable()
    {
        var lines = File.ReadAllLines(Path.Combine(LocalInfra.RepositoryRoot, "deploy", "README.md"));
        var header = Array.FindIndex(lines, l => l.StartsWith("| Secret | keys |", StringComparison.Ordinal));
        Assert.True(header >= 0, "deploy/README.md has no table of Secrets");
        var table = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var row in lines.Skip(header + 2).TakeWhile(l => l.StartsWith('|')))
        {
            var cells = row.Split('|');
            var keys = Backticked().Matches(cells[2]).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
            foreach (var secret in Backticked().Matches(cells[1]).Select(m => m.Groups[1].Value))
            {
                table[secret] = keys;
            }
        }

        Assert.NotEmpty(table);
        return table;
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task A_changed_secret_rolls_every_deployment_that_reads_it(string name)
    {
        var overlay = await RenderedOverlay.RenderAsync(name);
        var readers = SecretsRead(overlay).Select(r => r.Where.Split('/')[0]).ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(readers);
        foreach (var deployment in overlay.Deployments.Where(d => readers.Contains(d.Metadata.Name)))
        {
            string? reload = null;
            deployment.Metadata.Annotations?.TryGetValue("secret.reloader.stakater.com/auto", out reload);
            Assert.True(reload == "true", $"{name}/{deployment.Metadata.Name}: not rolled when its Secrets change");
        }
    }

    [Fact]
    public async Task With_external_secrets_every_secret_a_workload_needs_comes_from_the_store()
    {
        var overlay = await RenderedOverlay.RenderAsync("prod-external-secrets");
        var external = overlay.Objects.OfType<ExternalSecretResource>().ToList();

        // Needed: what the workloads read without optional: true (the optional ones get an ExternalSecret when used).
        var needed = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var pod in overlay.Deployments.Select(d => d.Spec.Template.Spec))
        {
            needed.UnionWith(pod.Containers.Concat(pod.InitContainers ?? [])
                .SelectMany(c => c.Env ?? [])
                .Select(e => e.ValueFrom?.SecretKeyRef)
                .Where(r => r is not null && r.Optional != true)
                .Select(r => r!.Name));
            needed.UnionWith((pod.Volumes ?? [])
                .Select(v => v.Secret)
                .Where(s => s is not null && s.Optional != true)
                .Select(s => s!.SecretName));
        }

        Assert.Equal(needed, new SortedSet<string>(external.Select(e => e.Spec.Target.Name), StringComparer.Ordinal));
        Assert.All(external, e =>
        {
            Assert.Equal(("ClusterSecretStore", "introserv"), (e.Spec.SecretStoreRef.Kind, e.Spec.SecretStoreRef.Name));
            Assert.Equal($"introserv/{e.Spec.Target.Name}", Assert.Single(e.Spec.DataFrom).Extract?.Key);
            Assert.Equal("introserv", e.Metadata.NamespaceProperty);
            Assert.NotNull(e.Spec.RefreshInterval);
        });
        // The Gateway's certificate comes from cert-manager or the script's files, not from the store.
        Assert.DoesNotContain(external, e => e.Spec.Target.Name == "introserv-tls");
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Every_signal_names_its_pod_namespace_and_node_and_traces_are_sampled_as_configured(string name)
    {
        var overlay = await RenderedOverlay.RenderAsync(name);

        foreach (var deployment in overlay.Deployments)
        {
            var what = $"{name}/{deployment.Metadata.Name}";
            var environment = KubeletEnvironment(overlay, MainContainer(deployment));
            var attributes = environment["OTEL_RESOURCE_ATTRIBUTES"].Split(',')
                .Select(pair => pair.Split('=', 2))
                .ToDictionary(pair => pair[0], pair => pair.Length == 2 ? pair[1] : "", StringComparer.Ordinal);
            Assert.DoesNotContain("$(", environment["OTEL_RESOURCE_ATTRIBUTES"], StringComparison.Ordinal);
            Assert.Equal("introserv", attributes.GetValueOrDefault("service.namespace"));
            Assert.Equal(name.StartsWith("prod", StringComparison.Ordinal) ? "prod" : "dev",
                attributes.GetValueOrDefault("deployment.environment.name"));
            Assert.Equal("<metadata.name>", attributes.GetValueOrDefault("k8s.pod.name"));
            Assert.Equal("<metadata.uid>", attributes.GetValueOrDefault("k8s.pod.uid"));
            Assert.Equal("<metadata.namespace>", attributes.GetValueOrDefault("k8s.namespace.name"));
            Assert.Equal("<spec.nodeName>", attributes.GetValueOrDefault("k8s.node.name"));

            Assert.True(environment.GetValueOrDefault("OTEL_TRACES_SAMPLER") == "parentbased_traceidratio",
                $"{what}: traces are not sampled parent-based by ratio");
            var ratio = double.Parse(environment["OTEL_TRACES_SAMPLER_ARG"], CultureInfo.InvariantCulture);
            Assert.InRange(ratio, 0.0, 1.0);
        }
    }

    // The container's environment as the kubelet builds it: the ConfigMaps' keys (envFrom), then env in order, each
    // $(NAME) expanded from what is defined before it; a downward-API value stands as <its field path>.
    private static Dictionary<string, string> KubeletEnvironment(RenderedOverlay overlay, V1Container container)
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var source in container.EnvFrom ?? [])
        {
            var data = overlay.ConfigMap(source.ConfigMapRef.Name).Data ?? new Dictionary<string, string>();
            foreach (var (key, value) in data)
            {
                environment[(source.Prefix ?? "") + key] = value;
            }
        }

        foreach (var variable in container.Env ?? [])
        {
            var known = new Dictionary<string, string>(environment, StringComparer.Ordinal);
            environment[variable.Name] = variable.ValueFrom?.FieldRef is { } field
                ? $"<{field.FieldPath}>"
                : variable.Value is { } value
                    ? KubeletReference().Replace(value, m => known.GetValueOrDefault(m.Groups[1].Value, m.Value))
                    : "(secret)";
        }

        return environment;
    }

    [Fact]
    public async Task The_collector_component_receives_every_workloads_telemetry_and_exposes_metrics_to_prometheus()
    {
        var overlay = await RenderedOverlay.RenderAsync("prod-observability");
        var collector = overlay.Objects.OfType<V1Deployment>().Single(d => d.Metadata.Name == "otel-collector");
        var pod = collector.Spec.Template.Spec;
        var container = Assert.Single(pod.Containers);
        var service = overlay.Objects.OfType<V1Service>().Single(s => s.Metadata.Name == "otel-collector");

        // Locked down like the workloads, and probed.
        Assert.False(pod.AutomountServiceAccountToken ?? true);
        Assert.True(container.SecurityContext.ReadOnlyRootFilesystem == true
            && container.SecurityContext.AllowPrivilegeEscalation == false
            && container.SecurityContext.RunAsNonRoot == true);
        Assert.Contains("ALL", container.SecurityContext.Capabilities.Drop);
        Assert.True(
            container.Resources.Limits.ContainsKey("memory") && container.Resources.Requests.ContainsKey("cpu"));
        Assert.NotNull(container.ReadinessProbe?.HttpGet);
        Assert.NotNull(container.LivenessProbe?.HttpGet);
        Assert.Contains(overlay.Objects.OfType<V1PodDisruptionBudget>(),
            p => Selects(p.Spec.Selector, collector.Spec.Template.Metadata.Labels));

        // Every workload exports to its Service's OTLP port.
        var endpoint = new Uri(overlay.Objects.OfType<V1ConfigMap>()
            .Single(c => c.Metadata.Name.StartsWith("introserv-config", StringComparison.Ordinal))
            .Data["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        Assert.Equal("otel-collector", endpoint.Host);
        Assert.Contains(service.Spec.Ports, p => p.Port == endpoint.Port && p.Name == "otlp-grpc");
        Assert.True(Selects(new V1LabelSelector { MatchLabels = service.Spec.Selector },
            collector.Spec.Template.Metadata.Labels));

        // The collector's pipelines: OTLP in for traces, metrics and logs; metrics also on the port Prometheus scrapes.
        var configMap = overlay.Objects.OfType<V1ConfigMap>()
            .Single(c => c.Metadata.Name.StartsWith("otel-collector-config", StringComparison.Ordinal));
        var config = new YamlDotNet.Serialization.Deserializer()
            .Deserialize<Dictionary<string, object>>(configMap.Data["config.yaml"]);
        var pipelines = (Dictionary<object, object>)((Dictionary<object, object>)config["service"])["pipelines"];
        Assert.Equal(["logs", "metrics", "traces"], pipelines.Keys.Select(k => (string)k).Order());
        Assert.All(pipelines.Values.Cast<Dictionary<object, object>>(),
            p => Assert.Contains("otlp", ((List<object>)p["receivers"]).Cast<string>()));
        var metrics = (Dictionary<object, object>)pipelines["metrics"];
        Assert.Contains("prometheus", ((List<object>)metrics["exporters"]).Cast<string>());

        // Only the workloads reach it (besides Prometheus on the metrics port), and the ServiceMonitor scrapes that.
        // (besides the namespace's default deny, which admits nothing)
        var policy = Assert.Single(overlay.NetworkPolicies, p => p.Spec.Ingress is { Count: > 0 }
            && Selects(p.Spec.PodSelector, collector.Spec.Template.Metadata.Labels));
        var otlp = policy.Spec.Ingress.Single(r => r.Ports.Any(p => p.Port.Value == "4317"));
        Assert.All(overlay.Deployments, d => Assert.Contains(otlp.FromProperty,
            peer => peer.PodSelector is { } selector && Selects(selector, d.Spec.Template.Metadata.Labels)));
        var metricsPort = service.Spec.Ports.Single(p => p.Name == "metrics");
        var scrape = policy.Spec.Ingress.Single(r => r.Ports.Any(p => p.Port.Value == metricsPort.Port.ToString(
            CultureInfo.InvariantCulture)));
        Assert.All(scrape.FromProperty, peer => Assert.NotNull(peer.NamespaceSelector));
        var monitor = Assert.Single(overlay.Objects.OfType<ServiceMonitorResource>());
        Assert.True(Selects(monitor.Spec.Selector, service.Metadata.Labels));
        Assert.Equal(metricsPort.Name, Assert.Single(monitor.Spec.Endpoints).Port);
    }

    [Fact]
    public async Task The_cloudnative_pg_component_gives_each_service_its_database_role_and_backups_within_limits()
    {
        var overlay = await RenderedOverlay.RenderAsync("prod-cloudnative-pg");
        var secrets = (await ScriptSecretsAsync("prod-cloudnative-pg")).ToDictionary(s => s.Metadata.Name);
        var cluster = Assert.Single(overlay.Objects.OfType<PostgresClusterResource>());
        var databases = overlay.Objects.OfType<PostgresDatabaseResource>().ToList();
        string Value(string secret, string key) => System.Text.Encoding.UTF8.GetString(secrets[secret].Data[key]);

        // Highly available and losing no committed transaction: three instances on three nodes, a synchronous
        // standby the primary waits for even while it is away.
        Assert.Equal(3, cluster.Spec.Instances);
        Assert.Equal(("required", "kubernetes.io/hostname"),
            (cluster.Spec.Affinity?.PodAntiAffinityType, cluster.Spec.Affinity?.TopologyKey));
        Assert.True(cluster.Spec.Postgresql.Synchronous is { Number: >= 1, DataDurability: "required" });
        Assert.False(cluster.Spec.EnableSuperuserAccess);
        // Point-in-time recovery: WAL archived continuously to object storage by the Barman Cloud plugin (the
        // operator's in-tree barmanObjectStore is deprecated), nightly base backups through it, kept 30 days.
        const string barman = "barman-cloud.cloudnative-pg.io";
        var archiver = Assert.Single(cluster.Spec.Plugins, p => p.Name == barman);
        Assert.True(archiver.IsWalArchiver);
        var store = Assert.Single(overlay.Objects.OfType<BarmanObjectStoreResource>());
        Assert.Equal(store.Metadata.Name, archiver.Parameters["barmanObjectName"]);
        Assert.StartsWith("s3://", store.Spec.Configuration.DestinationPath, StringComparison.Ordinal);
        Assert.Equal("30d", store.Spec.RetentionPolicy);
        var nightly = Assert.Single(overlay.Objects.OfType<PostgresScheduledBackupResource>());
        Assert.Equal((cluster.Metadata.Name, "plugin", barman),
            (nightly.Spec.Cluster.Name, nightly.Spec.Method, nightly.Spec.PluginConfiguration?.Name));

        var pool = 0;
        foreach (var service in new[] { "identity", "profile", "orders", "notifications", "verification" })
        {
            // The service's connection string reaches the primary as its own role, with the role's password.
            var settings = new Npgsql.NpgsqlConnectionStringBuilder(Value($"{service}-db", "connection-string"));
            Assert.Equal($"{cluster.Metadata.Name}-rw", settings.Host);
            var role = Assert.Single(cluster.Spec.Managed.Roles, r => r.Name == settings.Username);
            Assert.True(role.Login);
            Assert.Equal((settings.Username, settings.Password),
                (Value(role.PasswordSecret!.Name, "username"), Value(role.PasswordSecret.Name, "password")));
            // Its database exists, is owned by another role and outlives the object.
            var database = Assert.Single(databases, d => d.Spec.Name == settings.Database);
            Assert.Equal((cluster.Metadata.Name, "retain"),
                (database.Spec.Cluster.Name, database.Spec.DatabaseReclaimPolicy));
            Assert.NotEqual(settings.Username, database.Spec.Owner);
            // The migrate init container connects as the owner, with the owner's password, and grants the service's
            // role its rows; the service connects as its own role.
            var owner = new Npgsql.NpgsqlConnectionStringBuilder(Value($"{service}-db-migrate", "connection-string"));
            Assert.Equal((database.Spec.Owner, settings.Database, settings.Host),
                (owner.Username, owner.Database, owner.Host));
            var ownerRole = Assert.Single(cluster.Spec.Managed.Roles, r => r.Name == owner.Username);
            Assert.True(ownerRole.Login);
            Assert.Equal((owner.Username, owner.Password),
                (Value(ownerRole.PasswordSecret!.Name, "username"), Value(ownerRole.PasswordSecret.Name, "password")));
            var pod = overlay.Deployment(service).Spec.Template.Spec;
            var migrate = Assert.Single(pod.InitContainers, c => c.Name == "migrate");
            Assert.Equal($"{service}-db-migrate",
                migrate.Env.Single(e => e.Name == $"ConnectionStrings__{service}db").ValueFrom.SecretKeyRef.Name);
            Assert.Equal(settings.Username, migrate.Env.Single(e => e.Name == "Database__RuntimeRole").Value);
            Assert.All(pod.Containers, c => Assert.Equal($"{service}-db",
                c.Env.Single(e => e.Name == $"ConnectionStrings__{service}db").ValueFrom.SecretKeyRef.Name));
            pool += ownerRole.ConnectionLimit ?? 0;
            // Every connection its replicas may open fits under max_connections.
            var autoscaler = overlay.Objects.OfType<V2HorizontalPodAutoscaler>()
                .Single(h => h.Spec.ScaleTargetRef.Name == service);
            pool += autoscaler.Spec.MaxReplicas * settings.MaxPoolSize;
            Assert.True(role.ConnectionLimit >= autoscaler.Spec.MaxReplicas * settings.MaxPoolSize,
                $"{service}: connection limit {role.ConnectionLimit} below its replicas' pools");
        }

        Assert.True(int.Parse(cluster.Spec.Postgresql.Parameters["max_connections"], CultureInfo.InvariantCulture)
            > pool, $"max_connections is not above the services' {pool} pooled connections");
        // Only the services (and the instances and the operator) reach PostgreSQL.
        var instances = new Dictionary<string, string> { ["cnpg.io/cluster"] = cluster.Metadata.Name };
        var policy = Assert.Single(overlay.NetworkPolicies,
            p => p.Spec.PodSelector.MatchLabels?.ContainsKey("cnpg.io/cluster") == true);
        Assert.True(Selects(policy.Spec.PodSelector, instances));
        var callers = policy.Spec.Ingress.Single(r => r.FromProperty.All(f => f.NamespaceSelector is null
            && !Selects(f.PodSelector, instances)));
        Assert.All(overlay.Deployments, d => Assert.Equal(
            d.Metadata.Name is not ("gateway" or "panel"),
            callers.FromProperty.Any(f => Selects(f.PodSelector, d.Spec.Template.Metadata.Labels))));
    }

    [Fact]
    public async Task The_rabbitmq_operator_component_runs_three_nodes_and_gives_the_services_one_virtual_host()
    {
        var overlay = await RenderedOverlay.RenderAsync("prod-rabbitmq-operator");
        var secrets = (await ScriptSecretsAsync("prod-rabbitmq-operator")).ToDictionary(s => s.Metadata.Name);
        string Value(string secret, string key) => System.Text.Encoding.UTF8.GetString(secrets[secret].Data[key]);
        var cluster = Assert.Single(overlay.Objects.OfType<RabbitmqClusterResource>());
        var nodes = new Dictionary<string, string> { ["app.kubernetes.io/name"] = cluster.Metadata.Name };

        // Three nodes on three Kubernetes nodes, a minority pauses on a partition, queues are quorum queues by
        // default (the services declare theirs so anyway), and a drain takes one node at a time.
        Assert.Equal(3, cluster.Spec.Replicas);
        var spread = Assert.Single(
            cluster.Spec.Affinity!.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution);
        Assert.Equal("kubernetes.io/hostname", spread.TopologyKey);
        Assert.True(Selects(spread.LabelSelector, nodes));
        var config = cluster.Spec.Rabbitmq!.AdditionalConfig!;
        Assert.Contains("cluster_partition_handling = pause_minority", config, StringComparison.Ordinal);
        Assert.Contains("default_queue_type = quorum", config, StringComparison.Ordinal);
        var budget = overlay.Objects.OfType<V1PodDisruptionBudget>()
            .Single(b => b.Metadata.Name == cluster.Metadata.Name);
        Assert.True(Selects(budget.Spec.Selector, nodes));
        Assert.Equal("1", budget.Spec.MaxUnavailable.Value);

        // The services' connection string reaches the cluster's Service as the user the topology operator creates
        // from rabbitmq-user, on the one virtual host that user may use; not as the operator's administrator.
        var uri = new Uri(Value("introserv-rabbitmq", "connection-string"));
        var credentials = uri.UserInfo.Split(':');
        var vhost = Assert.Single(overlay.Objects.OfType<RabbitmqVhostResource>());
        var user = Assert.Single(overlay.Objects.OfType<RabbitmqUserResource>());
        var permission = Assert.Single(overlay.Objects.OfType<RabbitmqPermissionResource>());
        Assert.Equal((cluster.Metadata.Name, 5672, vhost.Spec.Name),
            (uri.Host, uri.Port, Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/'))));
        Assert.Equal("quorum", vhost.Spec.DefaultQueueType);
        Assert.Equal((credentials[0], credentials[1]),
            (Value(user.Spec.ImportCredentialsSecret!.Name, "username"),
                Value(user.Spec.ImportCredentialsSecret.Name, "password")));
        Assert.DoesNotContain("administrator", user.Spec.Tags ?? []);
        Assert.Equal(
            (vhost.Spec.Name, user.Metadata.Name), (permission.Spec.Vhost, permission.Spec.UserReference?.Name));
        Assert.All(new[] { vhost.Spec.RabbitmqClusterReference, user.Spec.RabbitmqClusterReference,
            permission.Spec.RabbitmqClusterReference }, r => Assert.Equal(cluster.Metadata.Name, r.Name));

        // Only the workloads that use the broker reach AMQP.
        var policy = Assert.Single(overlay.NetworkPolicies,
            p => p.Spec.PodSelector.MatchLabels?.ContainsKey("app.kubernetes.io/name") == true
                && Selects(p.Spec.PodSelector, nodes));
        var amqp = policy.Spec.Ingress.Where(r => r.Ports.Any(p => p.Port.Value == "5672")).ToList();
        var readers = SecretsRead(overlay)
            .Where(r => r.Secret == "introserv-rabbitmq")
            .Select(r => r.Where.Split('/')[0])
            .ToHashSet(StringComparer.Ordinal);
        Assert.All(overlay.Deployments, d => Assert.Equal(
            readers.Contains(d.Metadata.Name),
            amqp.Any(r => r.FromProperty.Any(f => f.NamespaceSelector is null
                && Selects(f.PodSelector, d.Spec.Template.Metadata.Labels)))));
    }

    [Fact]
    public async Task The_redis_sentinel_component_replicates_under_sentinel_and_admits_only_redis_clients()
    {
        var overlay = await RenderedOverlay.RenderAsync("prod-redis-sentinel");
        var secrets = (await ScriptSecretsAsync("prod-redis-sentinel")).ToDictionary(s => s.Metadata.Name);
        string Value(string secret, string key) => System.Text.Encoding.UTF8.GetString(secrets[secret].Data[key]);
        var redis = overlay.Objects.OfType<V1StatefulSet>().Single(s => s.Metadata.Name == "redis");
        var pod = redis.Spec.Template.Spec;
        var labels = redis.Spec.Template.Metadata.Labels;

        // Three servers with a Sentinel each, on three nodes; a drain takes one at a time.
        Assert.Equal(3, redis.Spec.Replicas);
        Assert.Equal(["redis", "sentinel"], pod.Containers.Select(c => c.Name));
        var spread = Assert.Single(pod.Affinity.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution);
        Assert.Equal("kubernetes.io/hostname", spread.TopologyKey);
        var budget = Assert.Single(overlay.Objects.OfType<V1PodDisruptionBudget>(),
            b => Selects(b.Spec.Selector, labels));
        Assert.Equal("1", budget.Spec.MaxUnavailable.Value);

        // The services' connection string asks the Sentinels' Service for the primary the Sentinels watch, with the
        // password the servers and Sentinels are given.
        var parts = Value("introserv-redis", "connection-string").Split(',');
        var settings = parts.Where(p => p.Contains('=', StringComparison.Ordinal))
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => p[1]);
        var endpoint = Assert.Single(parts, p => !p.Contains('=', StringComparison.Ordinal)).Split(':');
        var sentinels = overlay.Objects.OfType<V1Service>().Single(s => s.Metadata.Name == endpoint[0]);
        Assert.True(Selects(new V1LabelSelector { MatchLabels = sentinels.Spec.Selector }, labels));
        Assert.Contains(sentinels.Spec.Ports, p => p.Port.ToString(CultureInfo.InvariantCulture) == endpoint[1]
            && p.TargetPort.Value == "sentinel");
        Assert.Equal(Value("redis-credentials", "password"), settings["password"]);
        var scripts = overlay.Objects.OfType<V1ConfigMap>()
            .Single(c => c.Metadata.Name.StartsWith("redis-sentinel-scripts", StringComparison.Ordinal));
        Assert.Contains($"sentinel monitor {settings["serviceName"]} ", scripts.Data["start.sh"],
            StringComparison.Ordinal);
        Assert.All(pod.Containers, c => Assert.Contains(c.Command, part => part.StartsWith(
            "/scripts/", StringComparison.Ordinal) && scripts.Data.ContainsKey(part["/scripts/".Length..])));

        // Only the workloads that read the connection string (and the Redis pods themselves) get in.
        var readers = SecretsRead(overlay).Where(r => r.Secret == "introserv-redis")
            .Select(r => r.Where.Split('/')[0])
            .ToHashSet(StringComparer.Ordinal);
        Assert.Equal(["gateway", "verification"], readers.Order());
        var policy = Assert.Single(overlay.NetworkPolicies,
            p => p.Spec.PodSelector.MatchLabels?.SequenceEqual(labels) == true);
        Assert.All(overlay.Deployments, d => Assert.Equal(
            readers.Contains(d.Metadata.Name),
            policy.Spec.Ingress.Any(r => r.FromProperty.Any(
                f => Selects(f.PodSelector, d.Spec.Template.Metadata.Labels)))));
        Assert.Contains(policy.Spec.Ingress, r => r.FromProperty.Any(f => Selects(f.PodSelector, labels)));
    }

    // The optional components; service-monitor goes with otel-collector (it scrapes the collector), and the data
    // tier's components come together (each alone is an overlay of its own: prod-cloudnative-pg,
    // prod-redis-sentinel, prod-rabbitmq-operator).
    private static readonly string[] Components =
        ["gateway-load-balancer", "cert-manager", "external-secrets", "otel-collector", "service-monitor",
            "cloudnative-pg redis-sentinel rabbitmq-operator"];

    public static TheoryData<string> ComponentCombinations()
    {
        var data = new TheoryData<string>();
        for (var mask = 0; mask < 1 << Components.Length; mask++)
        {
            var chosen = Components.Where((_, i) => (mask & (1 << i)) != 0).ToList();
            if (!chosen.Contains("service-monitor") || chosen.Contains("otel-collector"))
            {
                data.Add(string.Join(' ', chosen));
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(ComponentCombinations))]
    public async Task Every_combination_of_optional_components_renders_validates_and_keeps_its_promises(
        string components)
    {
        var chosen = components.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();
        // With the External Secrets Operator, the data tier's own Secrets come from the store too (each data
        // component has its part of the ESO component).
        if (chosen.Contains("external-secrets"))
        {
            chosen.AddRange(chosen.Where(c => c is "cloudnative-pg" or "redis-sentinel" or "rabbitmq-operator")
                .Select(c => $"external-secrets/{c}").ToList());
        }

        var overlay = await RenderedOverlay.RenderWithComponentsAsync("prod", chosen);
        var workloads = Deployed(overlay, await AppHostWorkload.All);

        Assert.Equal(workloads.Select(w => w.Name).Order(), overlay.Deployments.Select(d => d.Metadata.Name).Order());
        Assert.All(overlay.Objects.Where(o => o.Kind != "Namespace"),
            o => Assert.Equal("introserv", o.Metadata.NamespaceProperty));
        // No Secret has two writers (cert-manager and the External Secrets Operator would fight over it).
        var written = overlay.Objects.OfType<CertificateResource>().Select(c => c.Spec.SecretName)
            .Concat(overlay.Objects.OfType<ExternalSecretResource>().Select(e => e.Spec.Target.Name))
            .ToList();
        Assert.Equal(written.Count, written.Distinct().Count());
        var gateway = overlay.Objects.OfType<V1Service>().Single(s => s.Metadata.Name == "gateway");
        if (chosen.Contains("gateway-load-balancer"))
        {
            Assert.Empty(overlay.Objects.OfType<GatewayResource>());
            Assert.Empty(overlay.Objects.OfType<HttpRouteResource>());
        }
        else
        {
            AssertEdge(overlay, gateway);
        }

        // Every Secret anything reads (a workload without optional: true, an operator's resource) comes from the
        // store when ESO is chosen, but the Gateway's certificate (cert-manager's or the script's files).
        if (chosen.Contains("external-secrets"))
        {
            var external = overlay.Objects.OfType<ExternalSecretResource>().Select(e => e.Spec.Target.Name).ToHashSet();
            Assert.All(SecretsRead(overlay),
                r => Assert.True(external.Contains(r.Secret) || r.Secret == "orders-payments"
                    || r.Secret == "identity-bootstrap-staff" || r.Secret == "notifications-smtp"
                    || (r.Secret == "introserv-tls" && r.Where.StartsWith("gateway ", StringComparison.Ordinal)),
                    $"{components}: {r.Secret} ({r.Where}) comes from no ExternalSecret"));
        }

        var endpoint = overlay.Objects.OfType<V1ConfigMap>()
            .Single(c => c.Metadata.Name.StartsWith("introserv-config", StringComparison.Ordinal))
            .Data["OTEL_EXPORTER_OTLP_ENDPOINT"];
        Assert.Equal(chosen.Contains("otel-collector"), endpoint == "http://otel-collector:4317");
        Assert.Equal(chosen.Contains("cloudnative-pg") ? 1 : 0,
            overlay.Objects.OfType<PostgresClusterResource>().Count());
        Assert.Equal(chosen.Contains("redis-sentinel") ? 1 : 0,
            overlay.Objects.OfType<V1StatefulSet>().Count(s => s.Metadata.Name == "redis"));
    }

    // Every Secret key an overlay's workloads and Gateway read, and where.
    private static List<(string Secret, string Key, string Where)> SecretsRead(RenderedOverlay overlay)
    {
        var read = new List<(string Secret, string Key, string Where)>();
        foreach (var deployment in overlay.Deployments.Select(d => (d.Metadata.Name, d.Spec.Template.Spec))
            .Concat(overlay.Objects.OfType<V1StatefulSet>().Select(s => (s.Metadata.Name, s.Spec.Template.Spec))))
        {
            var (workload, pod) = deployment;
            foreach (var container in pod.Containers.Concat(pod.InitContainers ?? []))
            {
                foreach (var variable in container.Env ?? [])
                {
                    if (variable.ValueFrom?.SecretKeyRef is { } reference)
                    {
                        read.Add((reference.Name, reference.Key, $"{workload}/{container.Name} {variable.Name}"));
                    }
                }

                // A setting that names a file under a mounted Secret reads that Secret's key of the same name.
                var environment = Environment(overlay, container);
                foreach (var mount in container.VolumeMounts ?? [])
                {
                    var secret = pod.Volumes?.SingleOrDefault(v => v.Name == mount.Name)?.Secret;
                    if (secret is null)
                    {
                        continue;
                    }

                    var prefix = mount.MountPath.TrimEnd('/') + "/";
                    foreach (var (key, value) in environment.Where(e =>
                        e.Value.StartsWith(prefix, StringComparison.Ordinal)))
                    {
                        read.Add((secret.SecretName, value[prefix.Length..], $"{workload}/{container.Name} {key}"));
                    }
                }
            }
        }

        // The Gateway's certificates: from the secrets script, unless a cert-manager Certificate writes them.
        var issued = overlay.Objects.OfType<CertificateResource>().Select(c => c.Spec.SecretName).ToHashSet();
        foreach (var edge in overlay.Objects.OfType<GatewayResource>())
        {
            read.AddRange(edge.Spec.Listeners
                .SelectMany(l => l.Tls?.CertificateRefs ?? [])
                .Where(c => !issued.Contains(c.Name))
                .Select(c => (c.Name, "tls.crt", $"gateway {edge.Metadata.Name}")));
        }

        // The PostgreSQL cluster's role passwords and backup credentials (components/cloudnative-pg).
        foreach (var cluster in overlay.Objects.OfType<PostgresClusterResource>())
        {
            var where = $"cluster {cluster.Metadata.Name}";
            foreach (var role in cluster.Spec.Managed.Roles.Where(r => r.PasswordSecret is not null))
            {
                read.Add((role.PasswordSecret!.Name, "username", where));
                read.Add((role.PasswordSecret.Name, "password", where));
            }

        }

        // The backup store's credentials (components/cloudnative-pg, the Barman Cloud plugin's object store).
        foreach (var store in overlay.Objects.OfType<BarmanObjectStoreResource>())
        {
            var s3 = store.Spec.Configuration.S3Credentials;
            read.Add((s3.AccessKeyId.Name, s3.AccessKeyId.Key, $"object store {store.Metadata.Name}"));
            read.Add((s3.SecretAccessKey.Name, s3.SecretAccessKey.Key, $"object store {store.Metadata.Name}"));
        }

        // The broker users' credentials the topology operator imports (components/rabbitmq-operator).
        foreach (var user in overlay.Objects.OfType<RabbitmqUserResource>())
        {
            if (user.Spec.ImportCredentialsSecret is { } credentials)
            {
                read.Add((credentials.Name, "username", $"rabbitmq user {user.Metadata.Name}"));
                read.Add((credentials.Name, "password", $"rabbitmq user {user.Metadata.Name}"));
            }
        }

        return read;
    }

    // Runs deploy/k8s/secrets.example.sh without a cluster (DRY_RUN=1) and reads the Secrets it prints.
    private static async Task<HashSet<(string Secret, string Key)>> SecretsCreatedByScriptAsync(string overlay) =>
        (await ScriptSecretsAsync(overlay))
            .SelectMany(s => (s.Data?.Keys ?? []).Concat(s.StringData?.Keys ?? []).Select(k => (s.Metadata.Name, k)))
            .ToHashSet();

    // The Secrets deploy/k8s/secrets.example.sh prints without a cluster (DRY_RUN=1) for an overlay, with their values.
    private static async Task<List<V1Secret>> ScriptSecretsAsync(string overlay)
    {
        var work = Directory.CreateTempSubdirectory("introserv-secrets-");
        try
        {
            var certificate = Path.Combine(work.FullName, "tls.crt");
            var key = Path.Combine(work.FullName, "tls.key");
            await RenderedOverlay.RunAsync("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
                "/CN=billing.example.com",
                "-days", "1", "-keyout", key, "-out", certificate);
            var environment = new Dictionary<string, string>
            {
                ["DRY_RUN"] = "1",
                ["STAFF_LOGIN"] = "staff.admin",
                ["STAFF_EMAIL"] = "staff@example.com",
                ["STAFF_PASSWORD"] = "correct horse battery staple",
                ["SMTP_HOST"] = "smtp.example.com",
                ["SMTP_USERNAME"] = "mailer",
                ["SMTP_PASSWORD"] = "mail-password",
                ["PAYMENTS_API_KEY"] = "psp-api-key",
                ["PAYMENTS_CALLBACK_SECRET"] = "psp-callback-secret-0123456789",
                ["TLS_CERT_FILE"] = certificate,
                ["TLS_KEY_FILE"] = key,
                ["REDIS_CONNECTION_STRING"] = "redis.example.com:6380,password=x,ssl=true",
                ["RABBITMQ_CONNECTION_STRING"] = "amqps://user:password@rabbitmq.example.com:5671/",
            };
            foreach (var service in new[] { "IDENTITY", "PROFILE", "ORDERS", "NOTIFICATIONS", "VERIFICATION" })
            {
                environment[$"{service}DB_CONNECTION_STRING"] =
                    $"Host=db.example.com;Database=introserv_{service.ToLowerInvariant()};Username=u;Password=p";
            }

            if (overlay == "prod-redis-sentinel")
            {
                environment["REDIS"] = "sentinel";
            }

            if (overlay == "prod-rabbitmq-operator")
            {
                environment["RABBITMQ"] = "operator";
            }

            if (overlay == "prod-cloudnative-pg")
            {
                environment["POSTGRES"] = "cloudnative-pg";
                environment["PG_BACKUP_ACCESS_KEY_ID"] = "backup-access-key";
                environment["PG_BACKUP_SECRET_ACCESS_KEY"] = "backup-secret-key";
            }

            var yaml = await RenderedOverlay.RunAsync(
                Path.Combine(RenderedOverlay.K8sDirectory, "secrets.example.sh"), environment,
                RenderedOverlay.SecretsEnvironment(overlay));
            return [.. KubernetesYaml.LoadAllFromString(yaml, strict: true).OfType<V1Secret>()];
        }
        finally
        {
            work.Delete(recursive: true);
        }
    }

    // Also the local stand-in payment provider and the methods local runs offer through it: which providers and
    // methods a deployment offers is its own decision (deploy/README), not a copy of the local ones. And the switch
    // that lets local runs deliver webhooks to webhooks-dev on loopback: a deployment must never set it.
    [GeneratedRegex(
        "^(ASPNETCORE_URLS|DOTNET_LAUNCH_PROFILE|OTEL_DOTNET_EXPERIMENTAL_.*|[A-Z]+_(HTTP|GRPC)" +
        "|Orders__Payments__(Providers__dev__.*|Methods__.*)|Webhooks__AllowLocalTargets)$")]
    private static partial Regex LocalOnlyPattern();

    [GeneratedRegex(@"\$\(([A-Za-z_][A-Za-z0-9_]*)\)")]
    private static partial Regex KubeletReference();

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex Backticked();

    [GeneratedRegex(@"max-age=(\d+)")]
    private static partial Regex StrictTransportMaxAge();
}
