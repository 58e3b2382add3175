using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace Introserv.EndToEnd.Tests.Deployment;

// The custom resources of the edge, read back strictly like the built-in kinds: the fields the manifests may use
// (an unknown or misspelt one fails the read; the offline validator checks them against the CRDs' schemas).
public abstract class CustomResource<TSpec> : IKubernetesObject<V1ObjectMeta>
    where TSpec : class
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public TSpec Spec { get; set; } = null!;
}

// gateway.networking.k8s.io/v1 Gateway.
public sealed class GatewayResource : CustomResource<GatewaySpec>
{
    public const string TypeKey = "gateway.networking.k8s.io/v1/Gateway";
}

public sealed class GatewaySpec
{
    [JsonPropertyName("gatewayClassName")]
    public string GatewayClassName { get; set; } = "";

    [JsonPropertyName("listeners")]
    public List<GatewayListener> Listeners { get; set; } = [];
}

public sealed class GatewayListener
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("protocol")]
    public string Protocol { get; set; } = "";

    [JsonPropertyName("port")]
    public int Port { get; set; }

    [JsonPropertyName("hostname")]
    public string? Hostname { get; set; }

    [JsonPropertyName("tls")]
    public GatewayTls? Tls { get; set; }

    [JsonPropertyName("allowedRoutes")]
    public AllowedRoutes? AllowedRoutes { get; set; }
}

public sealed class GatewayTls
{
    [JsonPropertyName("mode")]
    public string? Mode { get; set; }

    [JsonPropertyName("certificateRefs")]
    public List<ObjectReference> CertificateRefs { get; set; } = [];
}

public sealed class AllowedRoutes
{
    [JsonPropertyName("namespaces")]
    public RouteNamespaces? Namespaces { get; set; }
}

public sealed class RouteNamespaces
{
    [JsonPropertyName("from")]
    public string? From { get; set; }
}

public sealed class ObjectReference
{
    [JsonPropertyName("group")]
    public string? Group { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }
}

// gateway.networking.k8s.io/v1 HTTPRoute.
public sealed class HttpRouteResource : CustomResource<HttpRouteSpec>
{
    public const string TypeKey = "gateway.networking.k8s.io/v1/HTTPRoute";
}

public sealed class HttpRouteSpec
{
    [JsonPropertyName("parentRefs")]
    public List<ParentReference> ParentRefs { get; set; } = [];

    [JsonPropertyName("hostnames")]
    public List<string> Hostnames { get; set; } = [];

    [JsonPropertyName("rules")]
    public List<HttpRouteRule> Rules { get; set; } = [];
}

public sealed class ParentReference
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("namespace")]
    public string? Namespace { get; set; }

    [JsonPropertyName("sectionName")]
    public string? SectionName { get; set; }
}

public sealed class HttpRouteRule
{
    [JsonPropertyName("matches")]
    public List<HttpRouteMatch> Matches { get; set; } = [];

    [JsonPropertyName("filters")]
    public List<HttpRouteFilter> Filters { get; set; } = [];

    [JsonPropertyName("timeouts")]
    public HttpRouteTimeouts? Timeouts { get; set; }

    [JsonPropertyName("backendRefs")]
    public List<BackendReference> BackendRefs { get; set; } = [];
}

public sealed class HttpRouteMatch
{
    [JsonPropertyName("path")]
    public HttpPathMatch? Path { get; set; }
}

public sealed class HttpPathMatch
{
    [JsonPropertyName("type")]
    public string? Type { get; set; }

    [JsonPropertyName("value")]
    public string? Value { get; set; }
}

public sealed class HttpRouteFilter
{
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    [JsonPropertyName("responseHeaderModifier")]
    public HeaderModifier? ResponseHeaderModifier { get; set; }

    [JsonPropertyName("requestRedirect")]
    public RequestRedirect? RequestRedirect { get; set; }
}

public sealed class HeaderModifier
{
    [JsonPropertyName("set")]
    public List<HttpHeader> Set { get; set; } = [];
}

public sealed class HttpHeader
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("value")]
    public string Value { get; set; } = "";
}

public sealed class RequestRedirect
{
    [JsonPropertyName("scheme")]
    public string? Scheme { get; set; }

    [JsonPropertyName("statusCode")]
    public int? StatusCode { get; set; }
}

public sealed class HttpRouteTimeouts
{
    [JsonPropertyName("request")]
    public string? Request { get; set; }

    [JsonPropertyName("backendRequest")]
    public string? BackendRequest { get; set; }
}

public sealed class BackendReference
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("port")]
    public int? Port { get; set; }
}

// cert-manager.io/v1 Certificate.
public sealed class CertificateResource : CustomResource<CertificateSpec>
{
    public const string TypeKey = "cert-manager.io/v1/Certificate";
}

public sealed class CertificateSpec
{
    [JsonPropertyName("secretName")]
    public string SecretName { get; set; } = "";

    [JsonPropertyName("dnsNames")]
    public List<string> DnsNames { get; set; } = [];

    [JsonPropertyName("issuerRef")]
    public ObjectReference IssuerRef { get; set; } = new();

    [JsonPropertyName("privateKey")]
    public CertificatePrivateKey? PrivateKey { get; set; }

    [JsonPropertyName("renewBefore")]
    public string? RenewBefore { get; set; }
}

public sealed class CertificatePrivateKey
{
    [JsonPropertyName("algorithm")]
    public string? Algorithm { get; set; }

    [JsonPropertyName("size")]
    public int? Size { get; set; }

    [JsonPropertyName("rotationPolicy")]
    public string? RotationPolicy { get; set; }
}

// external-secrets.io/v1 ExternalSecret.
public sealed class ExternalSecretResource : CustomResource<ExternalSecretSpec>
{
    public const string TypeKey = "external-secrets.io/v1/ExternalSecret";
}

public sealed class ExternalSecretSpec
{
    [JsonPropertyName("refreshInterval")]
    public string? RefreshInterval { get; set; }

    [JsonPropertyName("secretStoreRef")]
    public ObjectReference SecretStoreRef { get; set; } = new();

    [JsonPropertyName("target")]
    public ExternalSecretTarget Target { get; set; } = new();

    [JsonPropertyName("dataFrom")]
    public List<ExternalSecretDataFrom> DataFrom { get; set; } = [];
}

public sealed class ExternalSecretTarget
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("creationPolicy")]
    public string? CreationPolicy { get; set; }

    [JsonPropertyName("deletionPolicy")]
    public string? DeletionPolicy { get; set; }

    [JsonPropertyName("template")]
    public ExternalSecretTemplate? Template { get; set; }
}

public sealed class ExternalSecretTemplate
{
    [JsonPropertyName("type")]
    public string? Type { get; set; }
}

public sealed class ExternalSecretDataFrom
{
    [JsonPropertyName("extract")]
    public ExternalSecretExtract? Extract { get; set; }
}

public sealed class ExternalSecretExtract
{
    [JsonPropertyName("key")]
    public string Key { get; set; } = "";
}

// monitoring.coreos.com/v1 ServiceMonitor.
public sealed class ServiceMonitorResource : CustomResource<ServiceMonitorSpec>
{
    public const string TypeKey = "monitoring.coreos.com/v1/ServiceMonitor";
}

public sealed class ServiceMonitorSpec
{
    [JsonPropertyName("selector")]
    public V1LabelSelector Selector { get; set; } = new();

    [JsonPropertyName("endpoints")]
    public List<ServiceMonitorEndpoint> Endpoints { get; set; } = [];
}

public sealed class ServiceMonitorEndpoint
{
    [JsonPropertyName("port")]
    public string? Port { get; set; }

    [JsonPropertyName("interval")]
    public string? Interval { get; set; }
}
