#!/usr/bin/env bash
# Pins images in a Kustomize overlay by digest, as 'kustomize edit set image NAME=IMAGE@sha256:...' does:
#
#   pin.sh OVERLAY_DIR introserv/identity=registry.example.com/introserv/identity@sha256:<64 hex> [...]
#
# Each argument replaces (or adds) the overlay's images: entry for NAME with newName IMAGE and digest
# sha256:..., so every container of every workload that runs NAME (the service and its migrate init
# container alike) runs exactly that image. With a standalone kustomize on PATH it is used; otherwise the
# entry is written directly, in the same form.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 OVERLAY_DIR NAME=IMAGE@sha256:DIGEST..." >&2; exit 2; }
overlay="$1"; shift
file="$overlay/kustomization.yaml"
[ -f "$file" ] || { echo "pin.sh: no kustomization.yaml in $overlay" >&2; exit 1; }

for spec in "$@"; do
  if ! [[ "$spec" =~ ^([a-z0-9./_-]+)=([a-z0-9.:/_-]+)@(sha256:[0-9a-f]{64})$ ]]; then
    echo "pin.sh: '$spec' is not NAME=IMAGE@sha256:<64 hex digits>" >&2; exit 2
  fi
done

if command -v kustomize >/dev/null 2>&1; then
  ( cd "$overlay" && kustomize edit set image "$@" )
  exit 0
fi

for spec in "$@"; do
  name="${spec%%=*}"; rest="${spec#*=}"; image="${rest%@*}"; digest="${rest##*@}"
  tmp=$(mktemp)
  awk -v name="$name" -v image="$image" -v digest="$digest" '
    function entry() { printf "  - name: %s\n    newName: %s\n    digest: %s\n", name, image, digest }
    # Inside the images: block, an entry runs from its "- name:" line to the next item or the block end.
    /^images:[[:space:]]*$/ { print; entry(); inimages = 1; done = 1; next }
    inimages && /^[^[:space:]#-]/ { inimages = 0; skipping = 0 }
    inimages && /^[[:space:]]*-[[:space:]]/ {
      line = $0; sub(/^[[:space:]]*-[[:space:]]*name:[[:space:]]*/, "", line); sub(/[[:space:]]*$/, "", line)
      skipping = ($0 ~ /^[[:space:]]*-[[:space:]]*name:/ && line == name)
    }
    skipping { next }
    { print }
    END { if (!done) { print "images:"; entry() } }
  ' "$file" > "$tmp"
  cat "$tmp" > "$file"
  rm -f "$tmp"
done
