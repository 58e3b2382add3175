#!/usr/bin/env bash
# Prints mail delivery throughput (mails/s) and the delivery worker's CPU per mail: N queued mails sent to the
# development mail catcher (a real SMTP server, its own process) over the local PostgreSQL queue.
# Usage: bench/mail.sh [mails=2000] [connections=4]   (as many mails are delivered first, unmeasured, to warm up;
# BENCH_MAIL_WARMUP=N sets how many, 0 measures from cold)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
MAILS="${1:-2000}"
CONNECTIONS="${2:-4}"
SMTP_PORT=52525
HTTP_PORT=52580
CATCHER_PID=""
cleanup() { if [ -n "$CATCHER_PID" ]; then kill "$CATCHER_PID" 2>/dev/null || true; wait "$CATCHER_PID" 2>/dev/null || true; fi; }
trap cleanup EXIT

"$ROOT/deploy/local/infra.sh" start >/dev/null
dotnet build -c Release -nologo -v q "$ROOT/services/Notifications/Introserv.Notifications.DevMail" >/dev/null
dotnet build -c Release -nologo -v q "$ROOT/bench/Introserv.Bench.Mail" >/dev/null
DevMail__SmtpPort=$SMTP_PORT ASPNETCORE_URLS=http://127.0.0.1:$HTTP_PORT ASPNETCORE_ENVIRONMENT=Development Logging__LogLevel__Default=Warning \
  dotnet "$ROOT/services/Notifications/Introserv.Notifications.DevMail/bin/Release/net10.0/Introserv.Notifications.DevMail.dll" >/dev/null &
CATCHER_PID=$!
for _ in $(seq 1 100); do (exec 3<>/dev/tcp/127.0.0.1/$SMTP_PORT) 2>/dev/null && break; sleep 0.1; done
dotnet "$ROOT/bench/Introserv.Bench.Mail/bin/Release/net10.0/Introserv.Bench.Mail.dll" "$SMTP_PORT" "$MAILS" "$CONNECTIONS"
