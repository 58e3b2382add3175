using System.Text.Json.Serialization;
using k8s.Models;

namespace Introserv.EndToEnd.Tests.Deployment;

// CloudNativePG's custom resources (components/cloudnative-pg), read back strictly: the fields the manifests may use
// (an unknown or misspelt one fails the read; the offline validator checks them against the CRDs' schemas).

// postgresql.cnpg.io/v1 Cluster.
public sealed class PostgresClusterResource : CustomResource<PostgresClusterSpec>
{
    public const string TypeKey = "postgresql.cnpg.io/v1/Cluster";
}

public sealed class PostgresClusterSpec
{
    [JsonPropertyName("instances")]
    public int Instances { get; set; }

    [JsonPropertyName("imageName")]
    public string? ImageName { get; set; }

    [JsonPropertyName("primaryUpdateStrategy")]
    public string? PrimaryUpdateStrategy { get; set; }

    [JsonPropertyName("enableSuperuserAccess")]
    public bool? EnableSuperuserAccess { get; set; }

    [JsonPropertyName("postgresql")]
    public PostgresSettings Postgresql { get; set; } = new();

    [JsonPropertyName("bootstrap")]
    public PostgresBootstrap? Bootstrap { get; set; }

    [JsonPropertyName("managed")]
    public PostgresManaged Managed { get; set; } = new();

    [JsonPropertyName("storage")]
    public PostgresStorage Storage { get; set; } = new();

    [JsonPropertyName("walStorage")]
    public PostgresStorage? WalStorage { get; set; }

    [JsonPropertyName("resources")]
    public V1ResourceRequirements? Resources { get; set; }

    [JsonPropertyName("affinity")]
    public PostgresAffinity? Affinity { get; set; }

    [JsonPropertyName("plugins")]
    public List<PostgresPlugin> Plugins { get; set; } = [];
}

// A CNPG-I plugin the Cluster uses (the Barman Cloud plugin archives its WAL).
public sealed class PostgresPlugin
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("isWALArchiver")]
    [YamlDotNet.Serialization.YamlMember(Alias = "isWALArchiver")]
    public bool? IsWalArchiver { get; set; }

    [JsonPropertyName("parameters")]
    public Dictionary<string, string> Parameters { get; set; } = [];
}

public sealed class PostgresSettings
{
    [JsonPropertyName("synchronous")]
    public PostgresSynchronous? Synchronous { get; set; }

    [JsonPropertyName("parameters")]
    public Dictionary<string, string> Parameters { get; set; } = [];
}

public sealed class PostgresSynchronous
{
    [JsonPropertyName("method")]
    public string Method { get; set; } = "";

    [JsonPropertyName("number")]
    public int Number { get; set; }

    [JsonPropertyName("dataDurability")]
    public string? DataDurability { get; set; }
}

public sealed class PostgresBootstrap
{
    [JsonPropertyName("initdb")]
    public PostgresInitDb? Initdb { get; set; }
}

public sealed class PostgresInitDb
{
    [JsonPropertyName("database")]
    public string Database { get; set; } = "";

    [JsonPropertyName("owner")]
    public string Owner { get; set; } = "";

    [JsonPropertyName("secret")]
    public NamedReference? Secret { get; set; }
}

public sealed class PostgresManaged
{
    [JsonPropertyName("roles")]
    public List<PostgresRole> Roles { get; set; } = [];
}

public sealed class PostgresRole
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("ensure")]
    public string? Ensure { get; set; }

    [JsonPropertyName("login")]
    public bool Login { get; set; }

    [JsonPropertyName("connectionLimit")]
    public int? ConnectionLimit { get; set; }

    [JsonPropertyName("passwordSecret")]
    public NamedReference? PasswordSecret { get; set; }
}

public sealed class PostgresStorage
{
    [JsonPropertyName("size")]
    public string Size { get; set; } = "";

    [JsonPropertyName("storageClass")]
    public string? StorageClass { get; set; }
}

public sealed class PostgresAffinity
{
    [JsonPropertyName("enablePodAntiAffinity")]
    public bool? EnablePodAntiAffinity { get; set; }

    [JsonPropertyName("podAntiAffinityType")]
    public string? PodAntiAffinityType { get; set; }

    [JsonPropertyName("topologyKey")]
    public string? TopologyKey { get; set; }
}

// barmancloud.cnpg.io/v1 ObjectStore: where the Barman Cloud plugin keeps the WAL archive and the base backups.
public sealed class BarmanObjectStoreResource : CustomResource<BarmanObjectStoreSpec>
{
    public const string TypeKey = "barmancloud.cnpg.io/v1/ObjectStore";
}

public sealed class BarmanObjectStoreSpec
{
    [JsonPropertyName("retentionPolicy")]
    public string? RetentionPolicy { get; set; }

    [JsonPropertyName("configuration")]
    public BarmanObjectStore Configuration { get; set; } = new();
}

public sealed class BarmanObjectStore
{
    [JsonPropertyName("destinationPath")]
    public string DestinationPath { get; set; } = "";

    // The YAML reader names properties in camel case (endpointUrl), so the field's spelling is given here.
    [JsonPropertyName("endpointURL")]
    [YamlDotNet.Serialization.YamlMember(Alias = "endpointURL")]
    public string? EndpointUrl { get; set; }

    [JsonPropertyName("s3Credentials")]
    public S3Credentials S3Credentials { get; set; } = new();

    [JsonPropertyName("wal")]
    public BarmanCompression? Wal { get; set; }

    [JsonPropertyName("data")]
    public BarmanCompression? Data { get; set; }
}

public sealed class S3Credentials
{
    [JsonPropertyName("accessKeyId")]
    public SecretKeyReference AccessKeyId { get; set; } = new();

    [JsonPropertyName("secretAccessKey")]
    public SecretKeyReference SecretAccessKey { get; set; } = new();
}

public sealed class BarmanCompression
{
    [JsonPropertyName("compression")]
    public string? Compression { get; set; }

    [JsonPropertyName("maxParallel")]
    public int? MaxParallel { get; set; }
}

public sealed class NamedReference
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";
}

public sealed class SecretKeyReference
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("key")]
    public string Key { get; set; } = "";
}

// postgresql.cnpg.io/v1 Database.
public sealed class PostgresDatabaseResource : CustomResource<PostgresDatabaseSpec>
{
    public const string TypeKey = "postgresql.cnpg.io/v1/Database";
}

public sealed class PostgresDatabaseSpec
{
    [JsonPropertyName("name")]
    public string Name { get; set; } = "";

    [JsonPropertyName("owner")]
    public string Owner { get; set; } = "";

    [JsonPropertyName("ensure")]
    public string? Ensure { get; set; }

    [JsonPropertyName("databaseReclaimPolicy")]
    public string? DatabaseReclaimPolicy { get; set; }

    [JsonPropertyName("cluster")]
    public NamedReference Cluster { get; set; } = new();
}

// postgresql.cnpg.io/v1 ScheduledBackup.
public sealed class PostgresScheduledBackupResource : CustomResource<PostgresScheduledBackupSpec>
{
    public const string TypeKey = "postgresql.cnpg.io/v1/ScheduledBackup";
}

public sealed class PostgresScheduledBackupSpec
{
    [JsonPropertyName("schedule")]
    public string Schedule { get; set; } = "";

    [JsonPropertyName("immediate")]
    public bool? Immediate { get; set; }

    [JsonPropertyName("backupOwnerReference")]
    public string? BackupOwnerReference { get; set; }

    [JsonPropertyName("method")]
    public string? Method { get; set; }

    [JsonPropertyName("pluginConfiguration")]
    public NamedReference? PluginConfiguration { get; set; }

    [JsonPropertyName("cluster")]
    public NamedReference Cluster { get; set; } = new();
}
