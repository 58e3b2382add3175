#!/usr/bin/env bash
# Prints what the whole stack costs while nobody uses it: CPU (% of one core) and resident memory of each of its
# processes, sampled over a quiet window after start-up, with the Aspire dashboard (as './dev run' starts it) and
# without it. Target: the idle stack with the dashboard at most 15 % of a core.
# Usage: bench/idle.sh [seconds=60] [settle-seconds=300]   (IDLE_MODES=dashboard or =plain measures one of the two)
# The default settle is five minutes: for the first minutes after start each service's tiered JIT still recompiles
# the methods its periodic work calls (tier-up takes tens of calls, minutes for a method called every 5 s), and a
# profile 60 to 90 s after start found 40 % of an idle service's CPU in the JIT's thread (bench/README.md).
# Runs the whole stack with the AppHost (stop any './dev run' first: same ports).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WINDOW="${1:-60}"
SETTLE="${2:-300}"
GATEWAY=http://localhost:5080
WORK="$(mktemp -d)"
APPHOST_PID=""
TICKS="$(getconf CLK_TCK)"

stop_stack() {
  if [ -n "$APPHOST_PID" ]; then
    # 'dotnet run' does not pass the signal on: stop the AppHost it started (by id), then it.
    for child in $(pgrep -P "$APPHOST_PID" || true); do kill "$child" 2>/dev/null || true; done
    kill "$APPHOST_PID" 2>/dev/null || true
    wait "$APPHOST_PID" 2>/dev/null || true
    APPHOST_PID=""
  fi
}
cleanup() { stop_stack; rm -rf "$WORK"; }
trap cleanup EXIT

# The stack's processes: the AppHost and the services it starts (their command lines name this checkout), the
# orchestrator (dcp, which detaches from the AppHost) and the dashboard; then the local servers, reported apart.
stack_pids() {
  local pid cmd
  for pid in $(pgrep -f "$ROOT/|dcp|Aspire.Dashboard" || true); do
    cmd="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null || true)"
    case "$cmd" in ""|bash*|*idle.sh*|*pgrep*|*timeout*) continue ;; esac
    echo "$pid"
  done
}
server_pids() { pgrep -f "postgres|redis-server|beam.smp|epmd" || true; }
# utime + stime of a process, in clock ticks (0 when it is gone).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
name_of() {
  local cmd name
  cmd="$(tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null || true)"
  # The service a process is: its dll or project, else its program.
  name="$(echo "$cmd" | grep -oE '[A-Za-z.]+\.(dll|csproj)|Aspire\.Dashboard|dcp[a-z]*' | head -1 | sed -E 's/\.(dll|csproj)$//' || true)"
  echo "${name:-$(basename "$(echo "$cmd" | cut -d' ' -f1)")}"
}

measure() {
  local label="$1" dashboard="$2"
  echo "starting the stack ($label)..."
  if [ "$dashboard" = 1 ]; then
    dotnet run -c Release --no-build --project "$ROOT/AppHost" --launch-profile http >"$WORK/apphost.log" 2>&1 &
  else
    INTROSERV_NO_DASHBOARD=1 dotnet run -c Release --no-build --project "$ROOT/AppHost" --launch-profile http \
      >"$WORK/apphost.log" 2>&1 &
  fi
  APPHOST_PID=$!
  for _ in $(seq 1 120); do curl -sf "$GATEWAY/health" >/dev/null 2>&1 && break; sleep 2; done
  curl -sf "$GATEWAY/health" >/dev/null || { echo "the stack did not start; log:" >&2; tail -20 "$WORK/apphost.log" >&2; exit 1; }
  sleep "$SETTLE"

  local pids; pids="$(stack_pids)"
  declare -A before
  local pid
  for pid in $pids; do before[$pid]="$(cpu_ticks "$pid")"; done
  declare -A before_servers
  for pid in $(server_pids); do before_servers[$pid]="$(cpu_ticks "$pid")"; done
  sleep "$WINDOW"
  local total=0 rss_total=0
  printf '%-42s %8s %9s\n' "process ($label)" "% core" "RSS MiB"
  for pid in $pids; do
    [ -r "/proc/$pid/stat" ] || continue
    local used=$(( $(cpu_ticks "$pid") - ${before[$pid]:-0} ))
    local rss; rss="$(awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$pid/status" 2>/dev/null || echo 0)"
    total=$(( total + used )); rss_total=$(( rss_total + rss ))
    awk -v n="$(name_of "$pid")" -v u="$used" -v t="$TICKS" -v w="$WINDOW" -v r="$rss" \
      'BEGIN { if (u > 0 || r > 20) printf "%-42s %8.1f %9d\n", n, 100 * u / t / w, r }'
  done
  awk -v u="$total" -v t="$TICKS" -v w="$WINDOW" -v r="$rss_total" -v l="$label" \
    'BEGIN { printf "%-42s %8.1f %9d\n", "TOTAL " l, 100 * u / t / w, r }'
  local servers=0
  for pid in $(server_pids); do
    [ -n "${before_servers[$pid]:-}" ] || continue
    servers=$(( servers + $(cpu_ticks "$pid") - ${before_servers[$pid]} ))
  done
  awk -v u="$servers" -v t="$TICKS" -v w="$WINDOW" \
    'BEGIN { printf "%-42s %8.1f\n", "local PostgreSQL, Redis, RabbitMQ (apart)", 100 * u / t / w }'
  stop_stack
  sleep 5
}

"$ROOT/deploy/local/infra.sh" start >/dev/null
# The stack runs Release builds, as deployed.
dotnet build -c Release "$ROOT/AppHost" -nologo -clp:ErrorsOnly >/dev/null
case "${IDLE_MODES:-dashboard plain}" in *dashboard*) measure "with dashboard" 1 ;; esac
case "${IDLE_MODES:-dashboard plain}" in *plain*) measure "without dashboard" 0 ;; esac
