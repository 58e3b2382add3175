#!/usr/bin/env bash
# The errors the stack's processes logged in the end-to-end runs (artifacts/stack-logs/<run>/<resource>.log, written
# by the test stack when it stops): each distinct error or warning entry (crit:, fail:, warn:, with its first
# continuation lines; identifiers and numbers aside) once, with how often it occurred and when first, at most 30 per
# process. ./dev test prints it after a failed run.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
LOGS="${1:-$ROOT/artifacts/stack-logs}"
[ -d "$LOGS" ] || { echo "stack-errors: no stack logs under $LOGS"; exit 0; }
for file in "$LOGS"/*/*.log; do
  [ -f "$file" ] || continue
  awk -v name="${file#"$LOGS"/}" '
    function flush(  key) {
      if (entry == "") return
      key = entry
      gsub(/[0-9a-fA-F]+-[0-9a-fA-F]+-[0-9a-fA-F]+-[0-9a-fA-F]+-[0-9a-fA-F]+/, "<id>", key)
      gsub(/[0-9]+/, "#", key)
      if (!(key in count)) { order[++n] = key; shown[key] = entry; first[key] = stamp }
      count[key]++
      entry = ""
    }
    {
      line = $0; ts = ""
      gsub(/\033\[[0-9;]*m/, "", line)
      if (match(line, /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[^ ]+ /)) {
        ts = substr(line, 1, RLENGTH - 1); line = substr(line, RLENGTH + 1)
      }
      if (line ~ /^(fail|crit|warn): /) { flush(); entry = line; stamp = ts; more = 3; next }
      if (entry != "" && more > 0 && line ~ /^[ \t]/) { sub(/^[ \t]+/, " ", line); entry = entry line; more--; next }
      flush()
    }
    END {
      flush()
      if (n == 0) exit
      printf "--- %s: %d distinct errors and warnings\n", name, n
      for (i = 1; i <= n && i <= 30; i++) {
        k = order[i]
        printf "  %dx (first %s) %s\n", count[k], first[k] == "" ? "?" : first[k], substr(shown[k], 1, 400)
      }
    }' "$file"
done
