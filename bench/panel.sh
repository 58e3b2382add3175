#!/usr/bin/env bash
# Whole-panel load benchmark: an open-loop generator (bench/Introserv.Bench.Panel) replays what the panel does through
# the gateway (customers sign in by code + PKCE, load the profile, security, orders, balance and notification pages,
# place, renew and cancel orders) at fixed arrival rates, and prints for each rate p50 and p99 per endpoint, the
# errors, each process's CPU milliseconds per request and its memory.
# Targets at 1,000 mixed requests/s: reads p99 <= 50 ms, writes p99 <= 150 ms, 0 errors.
# Usage: bench/panel.sh [seconds-per-rate=30] [rates="200 500 1000"]
#   PANEL_CUSTOMERS (50) customers are created for the run; PANEL_WARMUP (60) seconds of unmeasured load at the lowest
#   rate come first (in Orders the just-in-time compiler was still a quarter of the CPU a minute after start-up).
# Runs the whole stack with the AppHost for the duration (stop any './dev run' first: same ports).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DURATION="${1:-30}"
RATES="${2:-200 500 1000}"
GATEWAY=http://localhost:5080
WORK="$(mktemp -d)"
# shellcheck source=bench/lib.sh
. "$ROOT/bench/lib.sh"

cleanup() {
  stop_stack
  rm -rf "$WORK"
}
trap cleanup EXIT

require_free_gateway

"$ROOT/deploy/local/infra.sh" start >/dev/null
dotnet build -c Release "$ROOT/bench/Introserv.Bench.Panel" -nologo -clp:ErrorsOnly >/dev/null
# The stack runs Release builds, as deployed.
dotnet build -c Release "$ROOT/AppHost" -nologo -clp:ErrorsOnly >/dev/null

# For this run only, the gateway's rate limits are lifted: 'api' allows 600 requests a minute per account and the
# benchmark's customers make about 1,200 each at 1,000 requests/s; 'anonymous' allows 120 a minute per address, and
# every registration and sign-in step (5 requests per sign-in) comes from this one address. No other limit of the
# stack refuses this load: sign-in throttling counts failures only, and ordering has no rate limit.
echo "starting the stack..."
Gateway__RateLimits__api__PermitLimit=100000000 Gateway__RateLimits__anonymous__PermitLimit=100000000 start_stack

# The generator samples each process's CPU ticks and memory from /proc before and after each rate.
dotnet "$ROOT/bench/Introserv.Bench.Panel/bin/Release/net10.0/Introserv.Bench.Panel.dll" "$GATEWAY" \
  --seconds "$DURATION" --rates "$RATES" --customers "${PANEL_CUSTOMERS:-50}" --warmup "${PANEL_WARMUP:-60}" \
  --clk-tck "$(getconf CLK_TCK)" || {
  status=$?
  echo "the generator failed ($status); the stack's log ends:" >&2
  tail -20 "$WORK/apphost.log" >&2
  exit "$status"
}
