#!/usr/bin/env bash
# Orders and the mail they cause: customers place orders paid from the balance through the gateway at a fixed rate
# (open loop), then a burst of orders at once; after each, the benchmark waits until everything the orders set off is
# done (Orders' events published, Notifications' mails written and delivered to the development mail catcher) and
# prints POST /api/orders p50/p99, Orders' CPU per placed-and-paid order, Notifications' CPU per mail, how long the
# mails took after the last order was answered, and every process's CPU and memory.
# Targets: Orders <= 2 ms CPU per order and POST /api/orders p99 <= 100 ms at 100 orders/s; no mail backlog after a
# burst of 100 orders; Notifications <= 1 ms CPU per mail.
# Usage: bench/orders.sh [seconds=20] [rates="30 100"] [burst=100]
#   ORDERS_CUSTOMERS (50) customers place the orders; ORDERS_WARMUP (120) seconds of unmeasured orders at the lowest
#   rate come first (just-in-time compilation settles: the figures are the steady state; after 30 s it was still a
#   quarter of Orders' CPU).
# Every order the run placed is cancelled at the end. When the address pool has fewer free addresses than the run
# places, addresses from the benchmarking network 198.18.0.0/15 are added to it (as staff) and stay.
# Runs the whole stack with the AppHost for the duration (stop any './dev run' first: same ports).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DURATION="${1:-20}"
RATES="${2:-30 100}"
BURST="${3:-100}"
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
dotnet build -c Release "$ROOT/AppHost" -nologo -clp:ErrorsOnly >/dev/null
# The benchmark reads the Orders outbox and the Notifications mail queue on the local server to see them drain.
POSTGRES="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["Infra"]["Local"]["Postgres"])' \
  "$("$ROOT/deploy/local/infra.sh" settings)")"

# For this run only, the gateway's 'api' and 'anonymous' rate limits are lifted: a few customers from one address
# make every request.
echo "starting the stack..."
Gateway__RateLimits__api__PermitLimit=100000000 Gateway__RateLimits__anonymous__PermitLimit=100000000 start_stack

dotnet "$ROOT/bench/Introserv.Bench.Panel/bin/Release/net10.0/Introserv.Bench.Panel.dll" "$GATEWAY" \
  --mix orders --seconds "$DURATION" --rates "$RATES" --burst "$BURST" --customers "${ORDERS_CUSTOMERS:-50}" \
  --warmup "${ORDERS_WARMUP:-120}" --postgres "$POSTGRES" --clk-tck "$(getconf CLK_TCK)" || {
  status=$?
  echo "the generator failed ($status); the stack's log ends:" >&2
  tail -20 "$WORK/apphost.log" >&2
  exit "$status"
}
