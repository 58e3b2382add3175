#!/usr/bin/env bash
# Prints requests/s and p50/p99 latency of an authenticated read made
#   (a) straight to the Identity service,
#   (b) through the gateway (token validation, rate limit, IP allow-list check, proxy),
#   (c) through nginx proxying the same service,
# for two endpoints (GET /api/account/me, answered from the token, and GET /api/account/security, a database read),
# with each component's CPU per request and the targets: the gateway at most 0.05 ms of CPU per request and at least
# nginx's requests/s on the cheap endpoint; Identity and PostgreSQL at most 0.3 ms each per security read.
# BENCH_MATCHER=1 then runs the allow-list matcher benchmark (BenchmarkDotNet; 10,000 ranges < 2 x one range).
# Usage: bench/gateway.sh [seconds-per-run=15] [connections=32]
# Runs the whole stack with the AppHost for the duration (stop any './dev run' first: same ports).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DURATION="${1:-15}"
CONNECTIONS="${2:-32}"
GATEWAY=http://localhost:5080
SERVICE=http://localhost:5101
NGINX_PORT=58080
WORK="$(mktemp -d)"
APPHOST_PID=""
NGINX_PID=""

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
stop_stack() {
  if [ -n "$NGINX_PID" ]; then kill "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; NGINX_PID=""; fi
  if [ -n "$APPHOST_PID" ]; then
    # 'dotnet run' does not pass the signal on: stop the AppHost it started (by id), then it.
    for child in $(pgrep -P "$APPHOST_PID" || true); do kill "$child" 2>/dev/null || true; done
    kill "$APPHOST_PID" 2>/dev/null || true
    wait "$APPHOST_PID" 2>/dev/null || true
    APPHOST_PID=""
  fi
}
cleanup() {
  stop_stack
  rm -rf "$WORK"
}
trap cleanup EXIT

missing=()
command -v wrk >/dev/null || missing+=(wrk)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

"$ROOT/deploy/local/infra.sh" start >/dev/null
dotnet build -c Release "$ROOT/bench/Introserv.Bench.Gateway" -nologo -clp:ErrorsOnly >/dev/null
# The stack runs Release builds, as deployed.
dotnet build -c Release "$ROOT/AppHost" -nologo -clp:ErrorsOnly >/dev/null

# The benchmark customer makes thousands of requests a second: lift the per-account limit for this run.
echo "starting the stack..."
# Without the dashboard: no development telemetry export (every metric each second) competing for the CPU.
INTROSERV_NO_DASHBOARD=1 Gateway__RateLimits__api__PermitLimit=100000000 \
  dotnet run -c Release --no-build --project "$ROOT/AppHost" --launch-profile http \
  >"$WORK/apphost.log" 2>&1 &
APPHOST_PID=$!
for _ in $(seq 1 120); do
  curl -sf "$GATEWAY/health" >/dev/null 2>&1 && curl -sf "$SERVICE/health" >/dev/null 2>&1 && break
  sleep 2
done
curl -sf "$GATEWAY/health" >/dev/null || { echo "the stack did not start; log: $WORK/apphost.log" >&2; tail -20 "$WORK/apphost.log" >&2; exit 1; }

TOKEN="$(dotnet "$ROOT/bench/Introserv.Bench.Gateway/bin/Release/net10.0/Introserv.Bench.Gateway.dll" token "$GATEWAY")"

cat >"$WORK/nginx.conf" <<CONF
worker_processes 2;
pid $WORK/nginx.pid;
error_log $WORK/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  upstream identity { server 127.0.0.1:${SERVICE##*:}; keepalive 64; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://identity;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For \$remote_addr;
    }
  }
}
CONF
/usr/sbin/nginx -p "$WORK" -c "$WORK/nginx.conf" -g 'daemon off;' &
NGINX_PID=$!
sleep 1

# Two endpoints: /api/account/me answers from the token alone (no database work), so what the paths cost is the proxy
# (the gateway's target); /api/account/security reads the account's security page (Identity's and PostgreSQL's).
ENDPOINTS=(/api/account/me /api/account/security)
declare -A BASE=([a]="$SERVICE" [b]="$GATEWAY" [c]="http://127.0.0.1:$NGINX_PORT")
declare -A NAME=([a]="a) straight to the service" [b]="b) through the gateway" [c]="c) through nginx")

# CPU time (clock ticks) used so far by the processes of one component. A process that ends during a run takes its
# ticks with it (a PostgreSQL backend whose connection closed): such a run prints n/a for that component.
GROUPS_=(gateway identity postgres aspire-proxy nginx)
declare -A PATTERN=([gateway]='Introserv\.Gateway' [identity]='Introserv\.Identity' [postgres]='^postgres'
  [aspire-proxy]='tools/dcp' [nginx]='^nginx: worker')
ticks() {
  local total=0 pid stat
  for pid in $(pgrep -f "${PATTERN[$1]}" || true); do
    # Fields after the command name: utime and stime are the 12th and 13th.
    read -r -a stat <<<"$(sed 's/.*) //' "/proc/$pid/stat" 2>/dev/null)" || continue
    [ ${#stat[@]} -gt 12 ] && total=$((total + stat[11] + stat[12]))
  done
  echo "$total"
}

# endpoint-index key round -> appends "rps p50 p99 non2xx" to $WORK/<e><key>.runs and CPU per request to .cpu
measure() {
  local e="$1" key="$2" round="$3" out group requests
  declare -A before
  for group in "${GROUPS_[@]}"; do before[$group]=$(ticks "$group"); done
  out="$(wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "Authorization: Bearer $TOKEN" \
    "${BASE[$key]}${ENDPOINTS[$e]}")"
  echo "$out" >"$WORK/$e$key-$round.txt"
  requests="$(awk '/requests in/ {print $1}' <<<"$out")"
  for group in "${GROUPS_[@]}"; do
    printf '%s=%s ' "$group" "$(awk -v t="$(( $(ticks "$group") - before[$group] ))" -v hz="$(getconf CLK_TCK)" \
      -v n="$requests" 'BEGIN {if (t < 0) printf "n/a"; else printf "%.3f", t * 1000 / hz / n}')"
  done >>"$WORK/$e$key.cpu"
  echo >>"$WORK/$e$key.cpu"
  awk '/Requests\/sec/ {rps=$2} $1=="50%" {p50=$2} $1=="99%" {p99=$2} /Non-2xx/ {err=$5}
       END {printf "%s %s %s %s\n", rps, p50, p99, (err == "" ? 0 : err)}' <<<"$out" >>"$WORK/$e$key.runs"
}

# Warm up every path (JIT tiers, connection pools, database caches), then measure the three paths
# interleaved, twice, so a slow moment of the shared machine does not fall on one path only.
for e in "${!ENDPOINTS[@]}"; do
  for key in a b c; do
    wrk -t2 -c"$CONNECTIONS" -d10s -H "Authorization: Bearer $TOKEN" "${BASE[$key]}${ENDPOINTS[$e]}" >/dev/null
  done
done
for round in 1 2; do
  for e in "${!ENDPOINTS[@]}"; do
    for key in a b c; do measure "$e" "$key" "$round"; done
  done
done

# Component CPU (ms per request) of the last round of a path: cpu <e><key> <component>
cpu() { tail -1 "$WORK/$1.cpu" | tr ' ' '\n' | awk -F= -v c="$2" '$1 == c {print $2}'; }
for e in "${!ENDPOINTS[@]}"; do
  echo
  echo "authenticated read GET ${ENDPOINTS[$e]}, ${DURATION}s per run, $CONNECTIONS connections, 2 wrk threads, 2 rounds"
  declare -A RPS P99
  for key in a b c; do
    # The better of the two rounds (the machine is shared with the stack, PostgreSQL and wrk).
    best="$(sort -k1,1 -g -r "$WORK/$e$key.runs" | head -1)"
    read -r rps p50 p99 errors <<<"$best"
    RPS[$key]=$rps; P99[$key]=$p99
    printf '%-28s %10s req/s   p50 %8s   p99 %8s   non-2xx %s   (rounds: %s)\n' "${NAME[$key]}" "$rps" "$p50" "$p99" \
      "$errors" "$(awk '{printf "%s ", $1}' "$WORK/$e$key.runs")"
  done
  echo "CPU milliseconds per request, by component (last round):"
  for key in a b c; do printf '  %-26s %s\n' "${NAME[$key]}" "$(tail -1 "$WORK/$e$key.cpu")"; done
  if [ "$e" = 0 ]; then
    awk -v b="${RPS[b]}" -v c="${RPS[c]}" -v g="$(cpu 0b gateway)" -v n="$(cpu 0c nginx)" \
      -v pb="${P99[b]}" -v pc="${P99[c]}" 'BEGIN {
      printf "targets: gateway CPU %.3f ms/request (<= 0.050; nginx %.3f)   b/c = %.2f (>= 1.00)   p99 b %s vs c %s\n",
        g, n, b / c, pb, pc }'
  else
    awk -v i="$(cpu 1a identity)" -v p="$(cpu 1a postgres)" 'BEGIN {
      printf "targets (straight to the service): Identity CPU %.3f ms/request (<= 0.300)   PostgreSQL %.3f (<= 0.300)\n",
        i, p }'
  fi
done
echo "(all three share this 2-core machine with the stack, PostgreSQL and wrk; Aspire's proxy sits in front of the service in every path)"

if [ "${BENCH_MATCHER:-0}" != 1 ]; then
  exit 0
fi

# The matcher benchmark wants the machine to itself.
stop_stack
sleep 5
echo
echo "allow-list matcher (BenchmarkDotNet):"
dotnet "$ROOT/bench/Introserv.Bench.Gateway/bin/Release/net10.0/Introserv.Bench.Gateway.dll" matcher --filter '*' 2>&1 \
  | awk '/^\|/ {print}'
