#!/usr/bin/env bash
# Prints outbox dispatch throughput (messages/s) and commit-to-consume latency p50/p95/p99 against the
# real local PostgreSQL and RabbitMQ. Usage: bench/outbox.sh [throughput-events] [latency-events]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
"$ROOT/deploy/local/infra.sh" start >/dev/null
dotnet run -c Release --project "$ROOT/bench/Introserv.Bench.Outbox" -- "$@"
