#!/usr/bin/env bash
# Builds the seven images (five services, the gateway, the panel) with the .NET SDK's container support.
#
#   build.sh [--archive DIR] [--registry HOST[:PORT]] [--tag TAG] [--base IMAGE] [--pin OVERLAY]
#
#   --archive DIR       write each image as an OCI archive, DIR/<name>.tar (default: artifacts/images), which
#                       'skopeo copy oci-archive:DIR/identity.tar docker://registry.example.com/introserv/identity:TAG'
#                       pushes unchanged (same digest)
#   --registry HOST     push to that registry instead (credentials of 'docker login HOST')
#   --tag TAG           image tag (default: the project version)
#   --base IMAGE        base image (default: mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled, Directory.Build.targets)
#   --pin OVERLAY       afterwards pin every image in that Kustomize overlay by digest:
#                       kustomize edit set image introserv/<name>=<registry>/introserv/<name>@sha256:...
#                       (with --archive, the registry named by PIN_REGISTRY, default registry.example.com)
#
# Prints one line per image: repository, tag, digest. The digest is the image manifest's, the one a registry
# serves after the push.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

PROJECTS=(
  services/Identity/Introserv.Identity/Introserv.Identity.csproj
  services/Profile/Introserv.Profile/Introserv.Profile.csproj
  services/Orders/Introserv.Orders/Introserv.Orders.csproj
  services/Notifications/Introserv.Notifications/Introserv.Notifications.csproj
  services/Verification/Introserv.Verification/Introserv.Verification.csproj
  gateway/Introserv.Gateway/Introserv.Gateway.csproj
  panel/Introserv.Panel.Host/Introserv.Panel.Host.csproj
)

archive="" registry="" tag="" base="" pin=""
while [ $# -gt 0 ]; do
  case "$1" in
    --archive) archive="$2"; shift 2 ;;
    --registry) registry="$2"; shift 2 ;;
    --tag) tag="$2"; shift 2 ;;
    --base) base="$2"; shift 2 ;;
    --pin) pin="$2"; shift 2 ;;
    *) echo "usage: $0 [--archive DIR] [--registry HOST] [--tag TAG] [--base IMAGE] [--pin OVERLAY]" >&2; exit 2 ;;
  esac
done
[ -n "$archive" ] && [ -n "$registry" ] && { echo "build.sh: --archive or --registry, not both" >&2; exit 2; }
[ -z "$registry" ] && archive="${archive:-artifacts/images}"

args=(-c Release -t:PublishContainer -nologo -clp:ErrorsOnly -p:ContainerRegistry="$registry")
[ -n "$tag" ] && args+=(-p:ContainerImageTags="$tag")
[ -n "$base" ] && args+=(-p:ContainerBaseImage="$base")
revision=$(git -C "$ROOT" rev-parse HEAD 2>/dev/null || true)
[ -n "$revision" ] && args+=(-p:SourceRevisionId="$revision")
if [ -n "$archive" ]; then
  mkdir -p "$archive"
  archive="$(cd "$archive" && pwd)"
fi

# The digest of an OCI archive's (only) manifest, from its index.json.
archive_digest() { tar -xOf "$1" index.json | grep -o '"digest":"sha256:[0-9a-f]*"' | head -n 1 | cut -d'"' -f4; }

results=()
for project in "${PROJECTS[@]}"; do
  repository=$(dotnet msbuild "$project" -nologo -getProperty:ContainerRepository)
  name="${repository#introserv/}"
  extra=()
  [ -n "$archive" ] && extra+=(-p:ContainerArchiveOutputPath="$archive/$name.tar")
  out=$(dotnet publish "$project" "${args[@]}" "${extra[@]}" -getProperty:GeneratedContainerDigest \
    -getProperty:ContainerImageTags) || { echo "build.sh: the image of $project did not build" >&2; exit 1; }
  tags=$(printf '%s' "$out" | grep -o '"ContainerImageTags": *"[^"]*"' | cut -d'"' -f4)
  if [ -n "$archive" ]; then
    digest=$(archive_digest "$archive/$name.tar")
  else
    digest=$(printf '%s' "$out" | grep -o '"GeneratedContainerDigest": *"[^"]*"' | cut -d'"' -f4)
  fi
  [ -n "$digest" ] || { echo "build.sh: no digest for $repository" >&2; exit 1; }
  printf '%s %s %s\n' "$repository" "$tags" "$digest"
  results+=("$repository=$digest")
done

if [ -n "$pin" ]; then
  target="${registry:-${PIN_REGISTRY:-registry.example.com}}"
  specs=()
  for entry in "${results[@]}"; do specs+=("${entry%%=*}=$target/${entry%%=*}@${entry#*=}"); done
  "$ROOT/deploy/images/pin.sh" "$pin" "${specs[@]}"
  echo "pinned ${#specs[@]} images by digest in $pin/kustomization.yaml"
fi
