using System.Collections.Concurrent;
using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using k8s.Models;

namespace Introserv.EndToEnd.Tests.Deployment;

// The images the SDK builds (deploy/images/build.sh, run by ./dev test before the tests), read from their OCI
// archives: each is intact (every blob matches its digest), runs the project's assembly as the non-root user the
// manifests expect, exposes the ports the manifests use, carries the OCI labels, and the prod overlay can pin it by
// the digest a registry will serve.
public sealed partial class ContainerImageTests
{
    private static readonly string[] Names =
        ["identity", "profile", "orders", "notifications", "verification", "gateway", "panel"];

    public static TheoryData<string> Workloads => [.. Names];

    // Where build.sh writes the archives (INTROSERV_IMAGE_ARCHIVES overrides it).
    private static string ArchiveDirectory =>
        Environment.GetEnvironmentVariable("INTROSERV_IMAGE_ARCHIVES") is { Length: > 0 } directory
            ? directory
            : Path.Combine(LocalInfra.RepositoryRoot, "artifacts", "images");

    [Fact]
    public async Task Every_deployable_project_has_an_image()
    {
        var workloads = await AppHostWorkload.All;

        Assert.Equal(Names.Order(), workloads.Select(w => w.Name).Order());
        foreach (var workload in workloads)
        {
            Assert.Equal("introserv/" + workload.Name, workload.ContainerRepository);
        }
    }

    [Theory]
    [MemberData(nameof(Workloads))]
    public async Task Image_runs_the_project_as_the_non_root_user_the_manifests_expect(string name)
    {
        var image = OciImage.Of(ArchivePath(name));
        var prod = await RenderedOverlay.RenderAsync("prod");
        var deployment = Assert.Single(prod.Deployments, d => d.Metadata.Name == name);
        var pod = deployment.Spec.Template.Spec;
        var config = image.Config.GetProperty("config");

        Assert.Equal(("linux", "amd64"),
            (image.Config.GetProperty("os").GetString(), image.Config.GetProperty("architecture").GetString()));

        // The base image's non-root user 'app', uid 1654 in its /etc/passwd, which is the pods' runAsUser.
        Assert.Equal("app", config.GetProperty("User").GetString());
        var passwd = image.Passwd;
        Assert.NotNull(passwd);
        Assert.Contains(passwd.Split('\n'), line => line.StartsWith("app:x:1654:", StringComparison.Ordinal));
        foreach (var container in pod.Containers.Concat(pod.InitContainers ?? []))
        {
            var runAsUser = container.SecurityContext?.RunAsUser ?? pod.SecurityContext?.RunAsUser;
            Assert.Equal(1654L, runAsUser);
            // The manifests add arguments (the init container's "migrate") and never replace the entrypoint.
            Assert.Null(container.Command);
        }

        // The project's own assembly, run by the base image's runtime, from the image's last layer.
        var entrypoint = config.GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()).ToList();
        var assembly = $"Introserv.{char.ToUpperInvariant(name[0])}{name[1..]}";
        if (name == "panel")
        {
            assembly = "Introserv.Panel.Host";
        }

        Assert.Equal(["dotnet", $"/app/{assembly}.dll"], entrypoint);
        Assert.Equal("/app/", config.GetProperty("WorkingDir").GetString());
        var appLayer = image.AppLayer;
        var dll = Assert.Single(appLayer, e => e.Name == $"app/{assembly}.dll");
        Assert.True(dll.Length > 0);
        // The application's files belong to root and are not writable by the user that runs them.
        Assert.All(appLayer.Where(e => e.Name.StartsWith("app/", StringComparison.Ordinal)), e =>
        {
            Assert.Equal(0, e.Uid);
            Assert.False(e.Mode.HasFlag(UnixFileMode.OtherWrite) || e.Mode.HasFlag(UnixFileMode.GroupWrite),
                $"{e.Name} is writable by group or others ({e.Mode})");
        });
        Assert.Contains(appLayer, e => e.Name == $"app/{assembly}.deps.json");
        Assert.Contains(appLayer, e => e.Name == "app/appsettings.json");

        // Every port a container of the Deployment declares is one the image exposes.
        var exposed = config.GetProperty("ExposedPorts").EnumerateObject().Select(p => p.Name).ToHashSet();
        Assert.Contains("8080/tcp", exposed);
        foreach (var port in pod.Containers.SelectMany(c => c.Ports ?? []))
        {
            Assert.Contains($"{port.ContainerPort}/{(port.Protocol ?? "TCP").ToLowerInvariant()}", exposed);
        }
    }

    [Theory]
    [MemberData(nameof(Workloads))]
    public async Task Image_carries_the_OCI_labels_and_the_version_the_manifests_deploy(string name)
    {
        var image = OciImage.Of(ArchivePath(name));
        var labels = image.Config.GetProperty("config").GetProperty("Labels").EnumerateObject()
            .ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");

        Assert.Equal("introserv/" + name, labels["org.opencontainers.image.title"]);
        Assert.Equal("Introserv", labels["org.opencontainers.image.vendor"]);
        Assert.False(string.IsNullOrWhiteSpace(labels["org.opencontainers.image.description"]));
        Assert.Matches(CommitPattern(), labels["org.opencontainers.image.revision"]);
        Assert.True(DateTimeOffset.TryParse(labels["org.opencontainers.image.created"],
            System.Globalization.CultureInfo.InvariantCulture, out _));
        Assert.False(string.IsNullOrWhiteSpace(labels["org.opencontainers.image.base.name"]));
        Assert.Equal("10.0", labels["net.dot.runtime.majorminor"]);

        // The tag the image was built with is its version, and the version the base manifests deploy.
        var version = labels["org.opencontainers.image.version"];
        Assert.Equal(version, image.Tag);
        var dev = await RenderedOverlay.RenderAsync("dev");
        var deployed = dev.Deployment(name).Spec.Template.Spec.Containers.Single(c => c.Name == name).Image;
        Assert.EndsWith($"introserv/{name}:{version}", deployed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prod_overlay_pins_the_built_images_by_digest()
    {
        var images = Names.ToDictionary(name => name, name => OciImage.Of(ArchivePath(name)).Digest);
        var copy = Directory.CreateTempSubdirectory("introserv-pin-");
        try
        {
            CopyDirectory(RenderedOverlay.K8sDirectory, copy.FullName, skip: "node_modules");
            var prod = Path.Combine(copy.FullName, "overlays", "prod");
            string[] arguments =
            [
                prod, .. images.Select(i => $"introserv/{i.Key}=registry.example.com/introserv/{i.Key}@{i.Value}"),
            ];
            await RenderedOverlay.RunAsync(
                Path.Combine(LocalInfra.RepositoryRoot, "deploy", "images", "pin.sh"), arguments);

            var rendered = RenderedOverlay.Read(await RenderedOverlay.RunAsync("kubectl", "kustomize", prod));
            var deployments = rendered.OfType<V1Deployment>()
                .Where(d => d.Metadata.Labels?.TryGetValue("app.kubernetes.io/part-of", out var part) == true
                    && part == "introserv")
                .ToList();
            Assert.Equal(images.Keys.Order(), deployments.Select(d => d.Metadata.Name).Order());
            foreach (var deployment in deployments)
            {
                var pod = deployment.Spec.Template.Spec;
                var expected = $"registry.example.com/introserv/{deployment.Metadata.Name}@" +
                    images[deployment.Metadata.Name];
                Assert.All(pod.Containers.Concat(pod.InitContainers ?? []), c => Assert.Equal(expected, c.Image));
            }
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Pinning_refuses_what_is_not_a_digest()
    {
        var copy = Directory.CreateTempSubdirectory("introserv-pin-");
        try
        {
            CopyDirectory(Path.Combine(RenderedOverlay.K8sDirectory, "overlays", "prod"), copy.FullName, skip: null);
            var before = await File.ReadAllTextAsync(Path.Combine(copy.FullName, "kustomization.yaml"));
            var script = Path.Combine(LocalInfra.RepositoryRoot, "deploy", "images", "pin.sh");

            foreach (var bad in new[]
            {
                "introserv/identity=registry.example.com/introserv/identity:1.2.3",
                "introserv/identity=registry.example.com/introserv/identity@sha256:abc",
                "introserv/identity=registry.example.com/introserv/identity@sha256:" + new string('a', 64) + "\nx",
            })
            {
                var error = await Assert.ThrowsAsync<InvalidOperationException>(
                    () => RenderedOverlay.RunAsync(script, copy.FullName, bad));
                Assert.Contains("exited with 2", error.Message, StringComparison.Ordinal);
            }

            Assert.Equal(before, await File.ReadAllTextAsync(Path.Combine(copy.FullName, "kustomization.yaml")));
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }

    private static string ArchivePath(string name)
    {
        var path = Path.Combine(ArchiveDirectory, name + ".tar");
        Assert.True(File.Exists(path),
            $"no image archive {path}: deploy/images/build.sh writes them (./dev test runs it before the tests)");
        return path;
    }

    private static void CopyDirectory(string from, string to, string? skip)
    {
        foreach (var directory in Directory.EnumerateDirectories(from))
        {
            var name = Path.GetFileName(directory);
            if (name != skip)
            {
                CopyDirectory(directory, Directory.CreateDirectory(Path.Combine(to, name)).FullName, skip);
            }
        }

        foreach (var file in Directory.EnumerateFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitPattern();

    // One image in an OCI image layout archive (what the SDK writes for ContainerArchiveOutputPath), checked
    // blob by blob against the digests that name them.
    private sealed class OciImage
    {
        private readonly Dictionary<string, byte[]> _blobs;

        private OciImage(Dictionary<string, byte[]> blobs, JsonElement index)
        {
            _blobs = blobs;
            var entry = Assert.Single(index.GetProperty("manifests").EnumerateArray());
            Digest = entry.GetProperty("digest").GetString()!;
            Tag = entry.GetProperty("annotations").GetProperty("org.opencontainers.image.ref.name").GetString()!;
            var manifest = JsonSerializer.Deserialize<JsonElement>(Blob(Digest));
            Assert.Equal(2, manifest.GetProperty("schemaVersion").GetInt32());
            Config = JsonSerializer.Deserialize<JsonElement>(
                Blob(manifest.GetProperty("config").GetProperty("digest").GetString()!));
            Layers =
            [
                .. manifest.GetProperty("layers").EnumerateArray().Select(l => l.GetProperty("digest").GetString()!),
            ];
            var diffIds = Config.GetProperty("rootfs").GetProperty("diff_ids").GetArrayLength();
            Assert.Equal(Layers.Count, diffIds);
            // What the tests read is taken now, and the blobs let go: an image is some 80 MB.
            Passwd = Enumerable.Range(0, Layers.Count - 1).Select(i => ReadFile(i, "etc/passwd")).OfType<string>()
                .LastOrDefault();
            AppLayer = LayerEntries(Layers.Count - 1);
            _blobs.Clear();
        }

        // The base layers' /etc/passwd (the last layer that has one), or null.
        public string? Passwd { get; }

        // The entries of the image's last layer, the application's.
        public IReadOnlyList<(string Name, long Length, int Uid, UnixFileMode Mode)> AppLayer { get; }

        public string Digest { get; }

        public string Tag { get; }

        public JsonElement Config { get; }

        public IReadOnlyList<string> Layers { get; }

        // Each archive is read once per test run, whichever test asks first.
        public static OciImage Of(string path) =>
            Loaded.GetOrAdd(path, p => new Lazy<OciImage>(() => Load(p))).Value;

        private static readonly ConcurrentDictionary<string, Lazy<OciImage>> Loaded = new(StringComparer.Ordinal);

        private static OciImage Load(string path)
        {
            var blobs = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            JsonElement? index = null;
            using var file = File.OpenRead(path);
            using var reader = new TarReader(file);
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.DataStream is null)
                {
                    continue;
                }

                using var data = new MemoryStream();
                entry.DataStream.CopyTo(data);
                if (entry.Name == "index.json")
                {
                    index = JsonSerializer.Deserialize<JsonElement>(data.ToArray());
                }
                else if (entry.Name.StartsWith("blobs/sha256/", StringComparison.Ordinal))
                {
                    blobs["sha256:" + entry.Name["blobs/sha256/".Length..]] = data.ToArray();
                }
            }

            Assert.True(index.HasValue, $"{path} has no index.json: not an OCI image layout");
            return new OciImage(blobs, index.Value);
        }

        // The layer's entries, read through its gzip compression.
        private List<(string Name, long Length, int Uid, UnixFileMode Mode)> LayerEntries(int layer)
        {
            var entries = new List<(string Name, long Length, int Uid, UnixFileMode Mode)>();
            using var gzip = new GZipStream(new MemoryStream(Blob(Layers[layer])), CompressionMode.Decompress);
            using var reader = new TarReader(gzip);
            while (reader.GetNextEntry() is { } entry)
            {
                entries.Add((entry.Name.TrimStart('.', '/'), entry.Length, (entry as PosixTarEntry)?.Uid ?? -1,
                    entry.Mode));
            }

            return entries;
        }

        private string? ReadFile(int layer, string name)
        {
            using var gzip = new GZipStream(new MemoryStream(Blob(Layers[layer])), CompressionMode.Decompress);
            using var reader = new TarReader(gzip);
            while (reader.GetNextEntry() is { } entry)
            {
                if (entry.Name.TrimStart('.', '/') == name && entry.DataStream is { } data)
                {
                    using var text = new StreamReader(data);
                    return text.ReadToEnd();
                }
            }

            return null;
        }

        private byte[] Blob(string digest)
        {
            Assert.True(_blobs.TryGetValue(digest, out var blob), $"the archive lacks the blob {digest}");
            Assert.Equal(digest, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(blob)));
            return blob;
        }
    }
}
