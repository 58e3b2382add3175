using System.Text.Json.Serialization;
using k8s.Models;

namespace Introserv.EndToEnd.Tests.Deployment;

// The RabbitMQ operators' custom resources (components/rabbitmq-operator), read back strictly: the fields the
// manifests may use (an unknown or misspelt one fails the read; the offline validator checks them too).

// rabbitmq.com/v1beta1 RabbitmqCluster (the Cluster Operator).
public sealed class RabbitmqClusterResource : CustomResource<RabbitmqClusterSpec>
{
    public const string TypeKey = "rabbitmq.com/v1beta1/RabbitmqCluster";
}

public sealed class RabbitmqClusterSpec
{
    [JsonPropertyName("replicas")]
    public int Replicas { get; set; }

    [JsonPropertyName("image")]
    public string? Image { get; set; }

    [JsonPropertyName("persistence")]
    public RabbitmqPersistence? Persistence { get; set; }

    [JsonPropertyName("resources")]
    public V1ResourceRequirements? Resources { get; set; }

    [JsonPropertyName("affinity")]
    public V1Affinity? Affinity { get; set; }

    [JsonPropertyName("rabbitmq")]
    public RabbitmqConfiguration? Rabbitmq { get; set; }
}

public sealed class RabbitmqPersistence
{
    [JsonPropertyName("storageClassName")]
    public string? StorageClassName { get; set; }

    [JsonPropertyName("storage")]
    public string? Storage { get; set; }
}

public sealed class RabbitmqConfiguration
{
    [JsonPropertyName("additionalConfig")]
    public string? AdditionalConfig { get; set; }

    [JsonPropertyName("additionalPlugins")]
    public List<string>? AdditionalPlugins { get; set; }
}

public sealed class RabbitmqClusterReference
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";
}

// rabbitmq.com/v1beta1 Vhost, User and Permission (the Messaging Topology Operator).
public sealed class RabbitmqVhostResource : CustomResource<RabbitmqVhostSpec>
{
    public const string TypeKey = "rabbitmq.com/v1beta1/Vhost";
}

public sealed class RabbitmqVhostSpec
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("defaultQueueType")]
    public string? DefaultQueueType { get; set; }

    [JsonPropertyName("rabbitmqClusterReference")]
    public RabbitmqClusterReference RabbitmqClusterReference { get; set; } = new();
}

public sealed class RabbitmqUserResource : CustomResource<RabbitmqUserSpec>
{
    public const string TypeKey = "rabbitmq.com/v1beta1/User";
}

public sealed class RabbitmqUserSpec
{
    [JsonPropertyName("tags")]
    public List<string>? Tags { get; set; }

    [JsonPropertyName("importCredentialsSecret")]
    public V1LocalObjectReference? ImportCredentialsSecret { get; set; }

    [JsonPropertyName("rabbitmqClusterReference")]
    public RabbitmqClusterReference RabbitmqClusterReference { get; set; } = new();
}

public sealed class RabbitmqPermissionResource : CustomResource<RabbitmqPermissionSpec>
{
    public const string TypeKey = "rabbitmq.com/v1beta1/Permission";
}

public sealed class RabbitmqPermissionSpec
{
    [JsonPropertyName("vhost")]
    public string Vhost { get; set; } = "";

    [JsonPropertyName("userReference")]
    public V1LocalObjectReference? UserReference { get; set; }

    [JsonPropertyName("permissions")]
    public RabbitmqPermissions Permissions { get; set; } = new();

    [JsonPropertyName("rabbitmqClusterReference")]
    public RabbitmqClusterReference RabbitmqClusterReference { get; set; } = new();
}

public sealed class RabbitmqPermissions
{
    [JsonPropertyName("configure")]
    public string? Configure { get; set; }

    [JsonPropertyName("write")]
    public string? Write { get; set; }

    [JsonPropertyName("read")]
    public string? Read { get; set; }
}
