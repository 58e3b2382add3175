#!/usr/bin/env bash
# A stand-in for the services' base image, for machines that cannot reach mcr.microsoft.com (CI here):
# a chiseled-style image made of Debian's packages (the C and C++ runtimes, OpenSSL, ICU, zlib, time zones,
# CA certificates; no shell, no package manager) plus this machine's ASP.NET Core shared runtime, with the
# 'app' user (uid 1654) and the environment of the official aspnet images. It is served by a local registry
# (Debian's docker-registry) on 127.0.0.1, where the SDK's container build pulls it like any base image.
#
#   local-base.sh start   build the image if needed, start the registry, print the image reference
#   local-base.sh stop    stop the registry this script started
#
# Production builds keep the official base (Directory.Build.targets); this one only lets the image build and
# its checks run offline. State lives in $INTROSERV_INFRA_DIR/images (default /var/tmp/introserv-<user>/images).
set -euo pipefail

STATE="${INTROSERV_INFRA_DIR:-/var/tmp/introserv-$(id -un)}/images"
PORT="${INTROSERV_REGISTRY_PORT:-55000}"
REPOSITORY="dotnet/aspnet"
DOTNET_ROOT="${DOTNET_ROOT:-$(dirname "$(readlink -f "$(command -v dotnet)")")}"
PACKAGES="libc6 libgcc-s1 libstdc++6 libssl3 zlib1g libicu72 tzdata ca-certificates"

log() { printf '[images] %s\n' "$*" >&2; }
die() { printf '[images] error: %s\n' "$*" >&2; exit 1; }
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    die "need root (or sudo) to run: $*"; fi
}

install_tools() {
  local packages=()
  [ -x /usr/bin/docker-registry ] || packages+=(docker-registry)
  command -v skopeo >/dev/null || packages+=(skopeo)
  [ ${#packages[@]} -eq 0 ] && return
  log "installing ${packages[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
}

runtime_version() {
  ls "$DOTNET_ROOT/shared/Microsoft.AspNetCore.App" | sort -V | tail -n 1
}

sha() { sha256sum "$1" | cut -d' ' -f1; }

# An OCI image layout with one layer; the tag is the runtime's version.
build_image() {
  local version="$1" layout="$STATE/layout" work rootfs deb layer diff digest size config config_digest config_size
  local manifest manifest_digest manifest_size netcore
  netcore=$(ls "$DOTNET_ROOT/shared/Microsoft.NETCore.App" | sort -V | tail -n 1)
  work=$(mktemp -d)
  rootfs="$work/rootfs"
  mkdir -p "$rootfs" "$work/debs"
  log "building the base image $REPOSITORY:$version from Debian packages and $DOTNET_ROOT"
  ( cd "$work/debs" && apt-get download $PACKAGES >/dev/null 2>&1 ) || {
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    ( cd "$work/debs" && apt-get download $PACKAGES >/dev/null )
  }
  for deb in "$work"/debs/*.deb; do dpkg-deb -x "$deb" "$rootfs"; done
  # Debian's merged /usr: the loader is looked up under /lib64.
  for dir in bin lib lib64 sbin; do
    if [ -d "$rootfs/$dir" ] && [ ! -L "$rootfs/$dir" ]; then cp -a "$rootfs/$dir/." "$rootfs/usr/$dir/"; rm -rf "${rootfs:?}/$dir"; fi
    mkdir -p "$rootfs/usr/$dir"
    ln -sfn "usr/$dir" "$rootfs/$dir"
  done
  rm -rf "$rootfs/usr/share/doc" "$rootfs/usr/share/man" "$rootfs/usr/share/lintian" "$rootfs/usr/share/locale"
  mkdir -p "$rootfs/etc/ssl/certs" "$rootfs/tmp" "$rootfs/app" "$rootfs/home/app"
  chmod 1777 "$rootfs/tmp"
  cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
  printf 'root:x:0:0:root:/root:/usr/sbin/nologin\napp:x:1654:1654:app:/home/app:/usr/sbin/nologin\n' > "$rootfs/etc/passwd"
  printf 'root:x:0:\napp:x:1654:\n' > "$rootfs/etc/group"
  mkdir -p "$rootfs/usr/share/dotnet/shared/Microsoft.NETCore.App" "$rootfs/usr/share/dotnet/shared/Microsoft.AspNetCore.App"
  cp -a "$DOTNET_ROOT/dotnet" "$DOTNET_ROOT/host" "$rootfs/usr/share/dotnet/"
  cp -a "$DOTNET_ROOT/shared/Microsoft.NETCore.App/$netcore" "$rootfs/usr/share/dotnet/shared/Microsoft.NETCore.App/"
  cp -a "$DOTNET_ROOT/shared/Microsoft.AspNetCore.App/$version" "$rootfs/usr/share/dotnet/shared/Microsoft.AspNetCore.App/"
  ln -sfn ../share/dotnet/dotnet "$rootfs/usr/bin/dotnet"
  chown -R 0:0 "$rootfs"
  chown 1654:1654 "$rootfs/home/app"

  rm -rf "$layout"
  mkdir -p "$layout/blobs/sha256"
  layer="$work/layer.tar"
  tar --sort=name --numeric-owner --mtime='2000-01-01 00:00Z' -C "$rootfs" -cf "$layer" .
  diff=$(sha "$layer")
  gzip -n -6 "$layer"
  digest=$(sha "$layer.gz")
  size=$(stat -c %s "$layer.gz")
  mv "$layer.gz" "$layout/blobs/sha256/$digest"
  config="$work/config.json"
  cat > "$config" <<JSON
{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin","APP_UID=1654","ASPNETCORE_HTTP_PORTS=8080","DOTNET_RUNNING_IN_CONTAINER=true","DOTNET_VERSION=$netcore","ASPNET_VERSION=$version"],"User":"1654","WorkingDir":"/app"},"rootfs":{"type":"layers","diff_ids":["sha256:$diff"]},"history":[{"created_by":"deploy/images/local-base.sh: Debian bookworm packages ($PACKAGES) and the ASP.NET Core runtime $version"}]}
JSON
  config_digest=$(sha "$config")
  config_size=$(stat -c %s "$config")
  mv "$config" "$layout/blobs/sha256/$config_digest"
  manifest="$work/manifest.json"
  cat > "$manifest" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:$config_digest","size":$config_size},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:$digest","size":$size}]}
JSON
  manifest_digest=$(sha "$manifest")
  manifest_size=$(stat -c %s "$manifest")
  mv "$manifest" "$layout/blobs/sha256/$manifest_digest"
  printf '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"
  cat > "$layout/index.json" <<JSON
{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:$manifest_digest","size":$manifest_size,"annotations":{"org.opencontainers.image.ref.name":"$version"}}]}
JSON
  rm -rf "$work"
}

registry_up() { curl -fsS "http://127.0.0.1:$PORT/v2/" >/dev/null 2>&1; }

start_registry() {
  registry_up && return
  mkdir -p "$STATE/registry"
  cat > "$STATE/registry.yml" <<YAML
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $STATE/registry
http:
  addr: 127.0.0.1:$PORT
YAML
  log "starting the local registry on 127.0.0.1:$PORT"
  nohup /usr/bin/docker-registry serve "$STATE/registry.yml" > "$STATE/registry.log" 2>&1 &
  echo $! > "$STATE/registry.pid"
  for _ in $(seq 1 50); do registry_up && return; sleep 0.2; done
  die "the registry did not start (see $STATE/registry.log)"
}

cmd_start() {
  local version
  version=$(runtime_version)
  [ -n "$version" ] || die "no ASP.NET Core shared runtime under $DOTNET_ROOT"
  install_tools
  mkdir -p "$STATE"
  [ -f "$STATE/layout/index.json" ] && grep -q "\"$version\"" "$STATE/layout/index.json" || build_image "$version"
  start_registry
  skopeo copy -q --dest-tls-verify=false "oci:$STATE/layout:$version" \
    "docker://127.0.0.1:$PORT/$REPOSITORY:$version" >&2
  printf '127.0.0.1:%s/%s:%s\n' "$PORT" "$REPOSITORY" "$version"
}

cmd_stop() {
  local pid
  pid=$(cat "$STATE/registry.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then log "stopping the local registry"; kill "$pid"; fi
  rm -f "$STATE/registry.pid"
}

case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
